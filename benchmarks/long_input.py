"""Two hardening figures issue 10 asks for, measured on synthetic input made at run time:

- ``weave`` of ONE article of 250,000 characters (seconds, the process's peak RSS): text made
  of varied news sentences with quotes, names, dates and numbers, one JSONL record;
- ``quotes --jsonl`` over 1,000 and over 20,000 small articles (two sentences each, one with
  a quote): seconds, peak RSS and records written. Memory that does not grow with the file
  (one record at a time) shows as about the same peak at both sizes.

Each command runs as the CLI in its own process (``benchmarks.fuzz._run``: peak RSS from
``os.wait4``). Writes the ``long-input`` section of benchmarks/RESULTS.md::

    python benchmarks/long_input.py [--chars 250000] [--small 1000 20000] [--no-write]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._results import write_section  # noqa: E402
from benchmarks.fuzz import _run  # noqa: E402

NAMES = ["Maria Lopez", "John Carter", "Aiko Tanaka", "Samuel Okafor", "Elena Petrova",
         "David Cohen", "Fatima Rahman", "Lucas Martin", "Grace Kim", "Omar Haddad"]
ROLES = ["the mayor", "a spokesman for the ministry", "the union leader", "an economist",
         "the police chief", "a local teacher", "the company's chief executive"]
PLACES = ["Springfield", "the capital", "the northern province", "the harbour district",
          "Riverside", "the old town", "the border region"]
TOPICS = ["the budget", "the new bridge", "the strike", "the flood defences", "the election",
          "the hospital plan", "the trade deal", "the school closures"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def sentence(rng: random.Random) -> str:
    """One news-like sentence: reported speech, a fact with a number, or a dated event."""
    who, role = rng.choice(NAMES), rng.choice(ROLES)
    topic, place, day = rng.choice(TOPICS), rng.choice(PLACES), rng.choice(DAYS)
    n = rng.randint(2, 9000)
    return rng.choice([
        f'"We will not accept {topic} as it stands," said {who}, {role}, on {day}.',
        f"{who}, {role}, said {n} people in {place} were affected by {topic}.",
        f"On {day}, officials in {place} confirmed that {topic} would cost {n} million.",
        f'"This is about {place} and its {n} families," {who} told reporters.',
        f"The report on {topic} was published in {rng.randint(1990, 2024)} in {place}.",
        f"According to {who}, {topic} had been delayed {rng.randint(2, 30)} times.",
    ])


def long_article(chars: int, seed: int = 10) -> dict:
    rng = random.Random(seed)
    paragraphs, size = [], 0
    while size < chars:
        para = " ".join(sentence(rng) for _ in range(rng.randint(3, 7)))
        paragraphs.append(para)
        size += len(para) + 2
    text = "\n\n".join(paragraphs)[:chars]
    return {"id": "long-1", "title": "A very long report", "outlet": "Synthetic Times",
            "published": "2024-05-01", "text": text}


def small_articles(path: Path, n: int, seed: int = 20) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            text = f"{sentence(rng)} {sentence(rng)} Report {i}."
            f.write(json.dumps({"id": f"small-{i}", "title": f"Report {i}",
                                "outlet": "Synthetic Times", "published": "2024-05-01",
                                "text": text}) + "\n")


def count_lines(path: Path) -> int:
    if not path.exists():
        return 0
    with path.open(encoding="utf-8", errors="replace") as f:
        return sum(1 for line in f if line.strip())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--chars", type=int, default=250_000, help="length of the long article")
    ap.add_argument("--small", type=int, nargs="+", default=[1000, 20000],
                    help="article counts for quotes --jsonl")
    ap.add_argument("--limit", type=float, default=600.0, help="seconds before a run is killed")
    ap.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md")
    args = ap.parse_args(argv)
    cli = [sys.executable, "-m", "newsweave.cli"]
    rows: list[str] = []
    load = os.getloadavg()[0]
    started = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    with tempfile.TemporaryDirectory(prefix="newsweave-long-") as tmp:
        folder = Path(tmp)
        article = folder / "long.jsonl"
        article.write_text(json.dumps(long_article(args.chars)) + "\n", encoding="utf-8")
        out = folder / "long.json"
        code, stderr, secs, rss, hung = _run(
            [*cli, "weave", str(article), "--format", "json", "--out", str(out)], args.limit)
        ok = code == 0 and out.exists() and out.stat().st_size > 0
        rows.append(f"| `weave` | 1 article of {args.chars:,} characters | {secs:.1f} | "
                    f"{rss:.0f} | {'killed (over the limit)' if hung else code} | "
                    f"{'brief written' if ok else stderr.strip().splitlines()[-1:]} |")
        print(rows[-1], flush=True)
        for n in args.small:
            src, out = folder / f"small-{n}.jsonl", folder / f"quotes-{n}.jsonl"
            small_articles(src, n)
            code, stderr, secs, rss, hung = _run(
                [*cli, "quotes", "--jsonl", str(src), "--out", str(out), "--no-progress"],
                args.limit)
            rows.append(f"| `quotes --jsonl` | {n:,} articles of two sentences | {secs:.1f} | "
                        f"{rss:.0f} | {'killed (over the limit)' if hung else code} | "
                        f"{count_lines(out):,} records written |")
            print(rows[-1], flush=True)
    text = (
        "## Long and large inputs (`benchmarks/long_input.py`)\n\n"
        f"`python benchmarks/long_input.py --chars {args.chars} --small "
        f"{' '.join(map(str, args.small))}`, started {started} UTC, 1-minute load average "
        f"{load:.1f} then ({os.cpu_count()} cores, shared). "
        "Synthetic text made at run time: news-like sentences (reported speech with quotes, "
        "names, places, dates, numbers). Each command is the CLI in its own process; peak RSS "
        "is that process's (`os.wait4`).\n\n"
        "| command | input | seconds | peak RSS MiB | exit | output |\n"
        "|---|---|---:|---:|---:|---|\n" + "\n".join(rows) + "\n"
    )
    print(text)
    if not args.no_write:
        write_section("long-input", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
