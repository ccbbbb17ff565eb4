"""What keying articles by their URL costs `newsweave ingest`, and what a day's corrections do.

Synthetic exports (made at run time, no data read): N distinct reports of about 80 words from
13 outlets, each with its own article URL. Each run is `newsweave ingest FILE --db STORE` in a
fresh process, as a user runs it, into a SQLite store:

- *no URLs*: the N records without a `url` (articles told apart by their text only, what
  ingest did for every record before stop 57): the baseline;
- *article URLs*: the same N records with their URLs (each looked up as a stored article's
  canonical URL first);
- *next day's export*: the N records again into that store, 10% of them corrected (one
  figure changed): those become new versions, the rest are already stored;
- *rerun of day 1*: the first export again into that store: every corrected text is a known
  earlier version;
- *one live page*: M captures of one URL (a live page in a crawl), each the next version.

Runs alternate over ``--repeats``; the table gives the median seconds. The ratio of the first
two rows is the cost of the URL key on a first ingest.

Usage: ``python benchmarks/ingest_versions.py [--records 20000] [--captures 5000]
[--repeats 2] [--no-write]``
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._results import write_section  # noqa: E402

WORDS = ("council harbour bridge budget storm ferry police court minister election vote "
         "hospital school river market festival station airport union strike report").split()


def report(i: int, rng: random.Random, corrected: bool = False) -> dict[str, str]:
    """Report ``i``: its own figures and words, so no two texts are alike."""
    figure = f"{i % 97 + 2}.{i % 10}" if not corrected else f"{i % 97 + 3}.{i % 10}"
    words = " ".join(rng.choice(WORDS) for _ in range(60))
    text = (f"Report {i}: the {WORDS[i % len(WORDS)]} plan will cost {figure} million dollars, "
            f"officials said on Monday. {words.capitalize()}. The vote is due in week {i % 52}.")
    outlet = f"paper{i % 13}.example"
    return {"text": text, "title": f"Plan {i} approved", "outlet": outlet,
            "published": f"2021-05-{i % 28 + 1:02d}",
            "url": f"https://{outlet}/2021/05/{i}/plan-approved?utm_source=rss"}


def exports(folder: Path, n: int, captures: int) -> dict[str, Path]:
    rng = random.Random(57)
    day1 = [report(i, rng) for i in range(n)]
    rng = random.Random(57)  # the same words again: only the corrected figures differ
    day2 = [report(i, rng, corrected=i % 10 == 0) for i in range(n)]
    live = [{"title": "Live: the storm", "url": "https://paper0.example/live/storm",
             "text": f"Update {k}: the storm moved north overnight, officials said. "
                     f"{k * 37 % 1000} homes are without power."} for k in range(captures)]
    files = {"no URLs": [{k: v for k, v in r.items() if k != "url"} for r in day1],
             "day 1": day1, "day 2": day2, "live": live}
    out = {}
    for name, records in files.items():
        path = folder / (name.replace(" ", "_") + ".jsonl")
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        out[name] = path
    return out


def ingest(path: Path, db: Path) -> tuple[float, str]:
    """Seconds of one `newsweave ingest` process, and its summary line."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), HF_HUB_OFFLINE="1")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "newsweave.cli", "ingest", str(path), "--db",
                           str(db), "--no-progress"], capture_output=True, text=True, env=env,
                          check=True)
    return time.perf_counter() - start, done.stdout.strip().splitlines()[-1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=20_000)
    ap.add_argument("--captures", type=int, default=5_000)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--no-write", action="store_true", help="print only")
    args = ap.parse_args(argv)

    rows: dict[str, list[float]] = {}
    lines: dict[str, str] = {}
    sizes = {"no URLs": args.records, "article URLs": args.records,
             "next day's export": args.records, "rerun of day 1": args.records,
             "one live page": args.captures}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = exports(folder, args.records, args.captures)
        for k in range(args.repeats):
            plain, keyed, live = (folder / f"{name}{k}.db" for name in ("plain", "keyed", "live"))
            steps = [("no URLs", files["no URLs"], plain), ("article URLs", files["day 1"], keyed),
                     ("next day's export", files["day 2"], keyed),
                     ("rerun of day 1", files["day 1"], keyed),
                     ("one live page", files["live"], live)]
            for name, path, db in steps:
                seconds, line = ingest(path, db)
                rows.setdefault(name, []).append(seconds)
                lines[name] = line
                print(f"{name}: {seconds:.2f} s  ({line})", flush=True)

    median = {name: statistics.median(v) for name, v in rows.items()}
    table = ["| run | records | seconds (median) | records/s | `newsweave ingest` says |",
             "|---|---:|---:|---:|---|"]
    for name, seconds in median.items():
        table.append(f"| {name} | {sizes[name]:,} | {seconds:.2f} | {sizes[name] / seconds:,.0f} "
                     f"| {lines[name]} |")
    ratio = median["article URLs"] / median["no URLs"]
    load = os.getloadavg()[0]
    text = "\n".join([
        "## Ingest with article URLs as identities (`benchmarks/ingest_versions.py`)",
        "",
        f"`python benchmarks/ingest_versions.py --records {args.records} --captures "
        f"{args.captures} --repeats {args.repeats}`, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, 2-core shared machine (1-minute "
        f"load {load:.1f} at the end). Each row is one `newsweave ingest` process into SQLite, "
        "process start included; what each export holds is in the script's docstring. *No "
        "URLs* is the same records told apart by text only, as ingest stored every record "
        "before stop 57.",
        "",
        *table,
        "",
        f"The URL key costs {100 * (ratio - 1):+.0f}% on a first ingest (article URLs against "
        "no URLs, same records, same run): courlan's normalisation of each URL and one "
        "indexed lookup per batch. A page captured again and again is its next version each "
        "time, one at a time (read, keep the old text, update the row): "
        f"{1000 * median['one live page'] / args.captures:.2f} ms a capture here, process "
        "start included.",
    ])
    print(text)
    if not args.no_write:
        write_section("ingest-versions", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
