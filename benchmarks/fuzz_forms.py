"""Hostile input where people hand newsweave something by hand: the web reader's ``/add``
form and ``follow``'s subscription lists.

    python benchmarks/fuzz_forms.py [--per-category 40] [--seed 10] [--json out.json]

Categories (``--per-category`` inputs each; random edits of a valid input by ``fuzz.mutate``:
hostile and XML pieces spliced in, spans cut or repeated, characters swapped):

- ``upload``: one uploaded file of each format ``ingest`` reads (``fuzz.py``'s nine valid
  files, each edited), posted to ``/add`` with the write token;
- ``fields``: the form's own fields (text, title, outlet, published), each edited;
- ``filename``: a valid upload under a hostile name (a path, a NUL, a line break, a colour
  code, a right-to-left override, 5,000 characters, no extension);
- ``opml`` and ``url-list``: an edited subscription list read by ``follow.read_sources``,
  bad outlines and lines handed on and skipped.

The server runs in this process (Starlette's test client), on a store holding the founding
example, with grouping and weaving left out (they are not what is tested). Counted, per case:
a 5xx answer or an exception out of the request or of ``read_sources`` other than the
InputError it raises for a list with nothing usable; a page that carries markup from the input
unescaped (``<script``, ``<b>``); an error or skipped-record line that is not one line; a
request over ``--hang`` seconds; and an article stored before the case that is gone after it.
The exit code is 1 if any of them happened.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from benchmarks.fuzz import _FORMATS, SENT, mutate  # noqa: E402

TOKEN = "fuzz-token"
EXAMPLE = ROOT.parent / "shared" / "examples" / "sessions-2017"
#: Names an upload may carry; the file is a valid plain-text report each time.
NAMES = ["../../etc/passwd", "a\x00b.txt", "x" * 5000 + ".txt", "noext", "\u202egnp.txt",
         "a\nb.txt", "c\x1b[31mred.txt", "CON.txt", " .html", "d.JSONL", "e.csv.gz", ".hidden"]
OPML = ('<?xml version="1.0"?><opml version="2.0"><body><outline text="News">'
        '<outline type="rss" xmlUrl="https://a.example/feed"/>'
        '<outline type="rss" xmlUrl="https://b.example/rss"/></outline></body></opml>')
URL_LIST = "# my feeds\nhttps://c.example/\n\nhttps://a.example/feed\nfeed://d.example/x\n"
#: Markup the inputs carry that a page must show as text.
RAW_MARKUP = ("<script", "<b>", "<!DOCTYPE", "<![CDATA[")


@dataclass
class Outcome:
    category: str
    name: str
    status: int | None = None  # the HTTP status (form cases)
    raised: str | None = None
    unescaped: list[str] = field(default_factory=list)
    broken_lines: int = 0
    seconds: float = 0.0
    hang: bool = False
    lost: int = 0  # articles stored before the case and gone after it
    stored: int = 0  # articles the case added


def _form_cases(rng: random.Random, per: int):
    """(category, name, form fields, uploads as (name, bytes))."""
    for name, text in _FORMATS.items():
        for n in range(per):
            data = mutate(text, rng).encode("utf-8", "surrogatepass")
            yield "upload", f"{n}-{name}", {"token": TOKEN}, [(name, data)]
    for n in range(per):
        # an edited date is nearly always refused whole (the form says so, keeping what was
        # typed): one case in four, so that the others reach the text's reading
        fields = {"text": mutate(SENT * 3, rng), "title": mutate("Council passes budget", rng),
                  "outlet": mutate("Wire", rng),
                  "published": mutate("2017-03-02", rng) if n % 4 == 0 else "2017-03-02"}
        # a form field is text: what the browser sends is UTF-8, lone surrogates replaced
        clean = {k: v.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
                 for k, v in fields.items()}
        yield "fields", f"f{n}", {"token": TOKEN, **clean}, []
    for n in range(per):
        name = NAMES[n % len(NAMES)]
        yield "filename", f"n{n}", {"token": TOKEN}, [(name, (SENT * 3).encode())]


def _lines_of(html: str) -> list[str]:
    """The error and skipped-record lines of an add page, as the user reads them."""
    import re

    out = []
    for block in re.findall(r'<p class="error"[^>]*>(.*?)</p>', html, re.S):
        out.append(block)
    for block in re.findall(r'<ul id="add-(?:skipped|warnings)">(.*?)</ul>', html, re.S):
        out.extend(re.findall(r"<li>(.*?)</li>", block, re.S))
    return out


def run_forms(per: int, hang: float, seed: int) -> list[Outcome]:
    from fastapi.testclient import TestClient

    from newsweave.ingest import read_articles
    from newsweave.serve import create_app
    from newsweave.store import open_store

    rng = random.Random(seed)
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="newsweave-fuzz-forms-") as tmp:
        store = open_store(str(Path(tmp) / "forms.db"))
        store.add_articles(read_articles([EXAMPLE]))
        app = create_app(store, TOKEN, group_fn=lambda _store: None, row_ttl=0.0)
        with TestClient(app, raise_server_exceptions=False) as client:
            for category, name, fields, uploads in _form_cases(rng, per):
                before = {a.id for a in store.iter_articles()}
                outcome = Outcome(category, name)
                started = time.monotonic()
                try:
                    answer = client.post("/add", data=fields, files=[
                        ("files", (n, d, "application/octet-stream")) for n, d in uploads]
                                         or None)
                    outcome.status = answer.status_code
                    if answer.status_code >= 500:
                        outcome.raised = f"HTTP {answer.status_code}"
                    page = answer.text
                    body = re.split(r"<main\b[^>]*>", page)[-1]  # past the page's own head
                    outcome.unescaped = [m for m in RAW_MARKUP if m in body]
                    outcome.broken_lines = sum("\n" in line for line in _lines_of(page))
                except Exception as exc:  # noqa: BLE001 - what the harness counts
                    outcome.raised = f"{type(exc).__name__}: {exc}"[:300]
                outcome.seconds = round(time.monotonic() - started, 3)
                outcome.hang = outcome.seconds > hang
                after = {a.id for a in store.iter_articles()}
                outcome.lost = len(before - after)
                outcome.stored = len(after - before)
                outcomes.append(outcome)
        store.close()
    return outcomes


def run_sources(per: int, hang: float, seed: int) -> list[Outcome]:
    from newsweave.errors import InputError
    from newsweave.fetch import FetchError, check_url
    from newsweave.follow import read_sources

    rng = random.Random(seed + 1)
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="newsweave-fuzz-sources-") as tmp:
        for category, valid, suffix in (("opml", OPML, ".opml"), ("url-list", URL_LIST, ".txt")):
            for n in range(per):
                path = Path(tmp) / f"{category}{n}{suffix}"
                path.write_bytes(mutate(valid, rng).encode("utf-8", "surrogatepass"))
                outcome = Outcome(category, f"{category}{n}")
                skipped: list[InputError] = []
                started = time.monotonic()
                messages = []
                try:
                    urls = read_sources([str(path)], on_error=skipped.append)
                    outcome.stored = len(urls)
                    for url in urls:  # each one a request can be made to
                        check_url(url)
                except InputError as exc:
                    messages.append(str(exc))
                except FetchError as exc:
                    outcome.raised = f"a source no request can be made to: {exc}"[:300]
                except Exception as exc:  # noqa: BLE001 - what the harness counts
                    outcome.raised = f"{type(exc).__name__}: {exc}"[:300]
                messages.extend(str(e) for e in skipped)
                outcome.broken_lines = sum("\n" in m or "\x1b" in m for m in messages)
                outcome.seconds = round(time.monotonic() - started, 3)
                outcome.hang = outcome.seconds > hang
                outcomes.append(outcome)
    return outcomes


def summarize(outcomes: list[Outcome]) -> dict[str, dict[str, Any]]:
    table: dict[str, dict[str, Any]] = {}
    for category in dict.fromkeys(o.category for o in outcomes):
        mine = [o for o in outcomes if o.category == category]
        statuses = Counter(o.status for o in mine if o.status is not None)
        table[category] = {
            "inputs": len(mine),
            "stored something": sum(o.stored > 0 for o in mine),
            "statuses": {str(k): v for k, v in sorted(statuses.items())},
            "raised or 5xx": sum(bool(o.raised) for o in mine),
            "unescaped markup": sum(bool(o.unescaped) for o in mine),
            "broken lines": sum(o.broken_lines for o in mine),
            "hangs": sum(o.hang for o in mine),
            "articles lost": sum(o.lost for o in mine),
            "slowest s": max((o.seconds for o in mine), default=0.0),
        }
    return table


def failed(outcome: Outcome) -> bool:
    return bool(outcome.raised or outcome.unescaped or outcome.broken_lines or outcome.hang
                or outcome.lost)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-category", type=int, default=10)
    parser.add_argument("--hang", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args(argv)
    outcomes = (run_forms(args.per_category, args.hang, args.seed)
                + run_sources(args.per_category, args.hang, args.seed))
    table = summarize(outcomes)
    print(json.dumps(table, indent=2))
    for outcome in outcomes:
        if failed(outcome):
            print(f"FAILED {outcome.category} {outcome.name}: {outcome.raised or ''} "
                  f"{outcome.unescaped or ''} lines={outcome.broken_lines} lost={outcome.lost}",
                  file=sys.stderr)
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"summary": table, "outcomes": [asdict(o) for o in outcomes]}, indent=1))
    return 1 if any(failed(o) for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
