"""Who made a report is not in it: what the "Who and what" list loses to the rules that keep
the report's makers out of a story's entities (stop 55).

Each chosen MDS dev cluster is analysed once; ``entities.resolve_entities`` then runs with the
rules (a dateline's place and agency, a staff credit, a "... contributed to this report."
sentence, a picture's credit, a page's notice about itself) and with them switched off. The
table counts the entities either way and the entries that go; the names that go are listed
for a reader to judge. References are never read.

Usage: ``python benchmarks/entity_audit.py [--every 4] [--offset 0] [--datasets ...]
[--no-write]`` (every 4th cluster of each set from the first, about 3 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._results import write_section
from benchmarks.mds import DATASETS, MDS, _to_cluster
from benchmarks.rouge_eval import load_clusters


@contextmanager
def rules_off():
    """``entities`` without the report-maker rules, as before stop 55 (and stop 56's
    picture credits)."""
    import newsweave.entities as entities

    names = ("byline_spans", "photo_credit_spans", "is_staff_line", "is_page_notice")
    saved = {name: getattr(entities, name) for name in names}
    entities.byline_spans = entities.photo_credit_spans = lambda _text: []
    entities.is_staff_line = entities.is_page_notice = lambda _text: False
    try:
        yield
    finally:
        for name, rule in saved.items():
            setattr(entities, name, rule)


def compare(articles) -> tuple[dict, dict]:
    """Entities (name, type) -> mentions of one story's articles, without and with the
    rules."""
    from newsweave.analyze import analyze
    from newsweave.entities import resolve_entities

    docs = analyze(articles, embed=False, quotes=False, timexes=False)
    kept = {(e.name, e.type): e.mentions for e in resolve_entities(docs)[0]}
    with rules_off():
        was = {(e.name, e.type): e.mentions for e in resolve_entities(docs)[0]}
    return was, kept


def audit(name: str, every: int, offset: int) -> tuple[int, int, int, int, Counter]:
    """(clusters, clusters changed, entities without the rules, with them, names gone)."""
    clusters = load_clusters(MDS / DATASETS[name].file)[offset::every]
    changed = before = after = 0
    gone: Counter = Counter()
    for raw in clusters:
        was, kept = compare([a for a in _to_cluster(raw).articles if a.text.strip()])
        before, after = before + len(was), after + len(kept)
        changed += kept != was
        gone.update(f"{n} ({t})" for n, t in set(was) - set(kept))
    return len(clusters), changed, before, after, gone


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--datasets", nargs="+", default=["multinews", "duc2006", "duc2003",
                                                      "tac2011"], choices=sorted(DATASETS))
    ap.add_argument("--every", type=int, default=4, help="analyse every Nth cluster")
    ap.add_argument("--offset", type=int, default=0, help="starting from this cluster")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    cmd = " ".join(["python benchmarks/entity_audit.py",
                    *map(shlex.quote, sys.argv[1:] if argv is None else argv)])
    rows, notes = [], []
    started = time.perf_counter()
    for name in args.datasets:
        n, changed, before, after, gone = audit(name, args.every, args.offset)
        rows.append(f"| {DATASETS[name].title} | {n} | {changed} | {before} | {after} |")
        notes.append(f"- {DATASETS[name].title}: "
                     + (", ".join(sorted(gone)) if gone else "none"))
        print(rows[-1], flush=True)
    text = (
        "## Who made a report is not in it (`benchmarks/entity_audit.py`)\n\n"
        f"Command: `{cmd}` ({time.perf_counter() - started:.0f} s). Every {args.every}th "
        f"cluster of each MDS dev set from cluster {args.offset}, analysed, then "
        "`entities.resolve_entities` with and without the rules that keep a dateline's place "
        "and agency, a staff credit, a \"... contributed to this report.\" sentence, a "
        "picture's credit and a page's notice about itself out of \"Who and what\". "
        "References are never read.\n\n"
        "| dataset | clusters | clusters changed | entities without the rules | with them |\n"
        "|---|---|---|---|---|\n" + "\n".join(rows) + "\n\nEntries that go:\n\n"
        + "\n".join(notes) + "\n"
    )
    print(text)
    if not args.no_write:
        write_section("entity_audit", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
