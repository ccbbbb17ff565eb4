"""What the length of the embedded lead costs: the grouper embeds each article's title + its
first ``GroupSettings.lead_words`` words with MiniLM, the largest part of grouping's CPU. For
each length, on both dev clustering files (2,015 articles), in one run, lengths alternated:

- WordPiece tokens per lead and MiniLM CPU per lead (the grouper's own leads);
- ``group_articles`` in process with real embedding (no vector cache): wall, CPU-s, articles/s;
- with ``--cli``, ``newsweave ingest`` + ``newsweave stories`` as a user runs them (fresh
  store, fresh processes, models loaded inside the timing); the stories child is the real
  command with ``lead_words`` set for that process only.

Every length uses the shipped join model: it reads the same features, so the cost does not
depend on which lead length it was fitted with. Grouping quality per length is measured by
``stories_cv.py`` (variants ``title + N lead words``), not here.

    python benchmarks/lead_length.py [--words 30 20] [--repeat 2] [--cli] [--no-write]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._results import DATA, write_section  # noqa: E402
from benchmarks.stories import SETS, load  # noqa: E402

#: the stories command in a child process, with ``lead_words`` set for that process only
_CHILD = """
import dataclasses, sys
import newsweave.group, newsweave.grouping_state, newsweave.settings
base = newsweave.settings.GroupSettings
words = int(sys.argv[2])
@dataclasses.dataclass(frozen=True)
class GroupSettings(base):
    lead_words: int = words
for module in (newsweave.settings, newsweave.group, newsweave.grouping_state):
    module.GroupSettings = GroupSettings
from newsweave.cli import main
sys.exit(main(["stories", "--db", sys.argv[1], "--no-progress"]))
"""


def lead_costs(articles, words: int) -> dict[str, float]:
    """Tokens and MiniLM CPU-ms per lead, the grouper's leads at this length."""
    from newsweave.embed import get_embedder
    from newsweave.group import StoryGrouper
    from newsweave.settings import GroupSettings

    grouper = StoryGrouper(replace(GroupSettings(), lead_words=words))
    leads = [lead for a in articles if (lead := grouper.lead_of(a))]
    embedder = get_embedder()
    tokens = [len(e.ids) for e in embedder._tok.encode_batch(leads)]
    cpu = time.process_time()
    embedder.embed(leads)
    return {"leads": len(leads), "tokens": statistics.mean(tokens),
            "ms": 1000 * (time.process_time() - cpu) / len(leads)}


def group_cost(articles, words: int) -> dict[str, float]:
    """``group_articles`` with real embedding: wall seconds and CPU seconds."""
    from newsweave.group import group_articles
    from newsweave.settings import GroupSettings

    wall, cpu = time.perf_counter(), time.process_time()
    group_articles(articles, replace(GroupSettings(), lead_words=words))
    return {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}


def cli_cost(paths: list[Path], words: int) -> float:
    """Seconds of ``newsweave ingest`` + ``newsweave stories`` on a fresh store."""
    exe = str(Path(sys.executable).parent / "newsweave")
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "lead.db")
        start = time.perf_counter()
        subprocess.run([exe, "ingest", *map(str, paths), "--db", db, "--no-progress"],
                       check=True, capture_output=True)
        subprocess.run([sys.executable, "-c", _CHILD, db, str(words)], check=True,
                       capture_output=True)
        return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--words", type=int, nargs="+", default=[30, 20])
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--cli", action="store_true", help="also time the command line")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    from newsweave.embed import get_embedder

    articles = [a for name in SETS for a in load(name)[0]]
    paths = [DATA / "clustering" / f"{name}.jsonl" for name in SETS]
    get_embedder().embed(["warm up"])  # model load is not grouping time
    costs = {w: lead_costs(articles, w) for w in args.words}
    runs: dict[int, list[dict]] = {w: [] for w in args.words}
    clis: dict[int, list[float]] = {w: [] for w in args.words}
    for rep in range(args.repeat):
        for w in args.words:
            runs[w].append(group_cost(articles, w))
            print(f"run {rep + 1}, {w} words: {runs[w][-1]}", file=sys.stderr, flush=True)
            if args.cli:
                clis[w].append(cli_cost(paths, w))
                print(f"  command line {clis[w][-1]:.1f} s", file=sys.stderr, flush=True)
    n = len(articles)
    lines = [
        "## Lead length and grouping cost (`benchmarks/lead_length.py`)",
        "",
        f"Both dev clustering files ({n:,} articles), lengths alternated {args.repeat} times in "
        "one run on the shared 2-core machine; every length uses the shipped join model "
        "(grouping quality per length: *Story grouping, cross-validated*). *MiniLM per lead*: "
        "the grouper's own title + lead texts embedded once. *In process*: `group_articles` "
        "with real embedding, model loaded beforehand. *Command line*: `newsweave ingest` + "
        "`newsweave stories` on a fresh SQLite store, models loaded inside the timing, "
        "`lead_words` set in the stories process.",
        "",
        "| lead words | tokens per lead | MiniLM CPU-ms per lead | in process: articles/s "
        "(each run) | CPU-s per run | command line: articles/s (each run) |",
        "|---|---|---|---|---|---|",
    ]
    for w in args.words:
        rates = ", ".join(f"{n / r['wall']:.0f}" for r in runs[w])
        cpu = ", ".join(f"{r['cpu']:.1f}" for r in runs[w])
        cli = ", ".join(f"{n / s:.0f}" for s in clis[w]) if clis[w] else "not run"
        lines.append(f"| {w} | {costs[w]['tokens']:.1f} | {costs[w]['ms']:.1f} | {rates} | "
                     f"{cpu} | {cli} |")
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        write_section("lead-length", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
