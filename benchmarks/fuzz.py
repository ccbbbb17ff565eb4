"""Hostile-input run of the CLI: generate bad corpora, run each command on each, count outcomes.

Categories (each makes files in a temp folder; every JSONL file also carries one good record,
whose survival is checked): lone surrogates, huge numbers, odd dates, deep nesting, wrong
types, BOM and U+2028/U+2029, NUL bytes, truncated and mutated lines, huge fields, long
articles, regex traps (datelines, stamps, quotes), pathological HTML, big feeds, malformed
WARC, gzip bombs, special files; and ``--per-category`` random edits of a valid record
(``random-mutation``: hostile pieces spliced in, spans cut or repeated), the part that grows
with a larger run.

For every (command, input) it records the exit code, whether stderr held a traceback, whether
every stderr line is one ``newsweave:`` line, whether the good record came through, the wall
time (a run over ``--hang`` seconds is killed and counted as a hang) and the child's peak RSS
(``os.wait4``). Usage::

    python benchmarks/fuzz.py                  # modest: a few inputs per category
    python benchmarks/fuzz.py --per-category 20 --json out.json
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOOD_ID = "fuzz-good-record"
GOOD_TEXT = ("The city council approved the new budget on Tuesday after a long debate, the mayor "
             "said. \"We protected the libraries,\" she told reporters in the chamber.")
SENT = "The minister said the plan would go ahead on Tuesday despite protests in the capital. "


@dataclass
class Case:
    category: str
    name: str
    path: Path
    kind: str  # "articles" (article JSONL), "clusters", "file" (text/html/feed/warc/other)
    has_good: bool


@dataclass
class Outcome:
    command: str
    category: str
    name: str
    exit_code: int | None
    traceback: bool
    one_line_errors: bool
    good_kept: bool | None
    seconds: float
    cpu_seconds: float
    peak_mb: float
    hang: bool


# --------------------------------------------------------------------------- generators
def _good_article() -> str:
    return json.dumps({"id": GOOD_ID, "text": GOOD_TEXT, "published": "2017-03-02"})


def _good_cluster() -> str:
    return json.dumps({"id": GOOD_ID, "docs": [{"text": GOOD_TEXT, "date": "2017-03-02"}]})


def _article_lines(rng: random.Random) -> Iterator[tuple[str, str, str]]:
    """(category, name, bad line) for article and cluster JSONL."""
    for esc in ("\\ud800", "\\udfff", "\\udc00x"):
        for field in ("id", "title", "outlet", "url", "text"):
            yield "surrogate", f"{field}-{esc}", (
                f'{{"{field}": "a{esc}", "text": "Text {rng.random()}."}}'
                if field != "text" else f'{{"text": "a{esc}"}}')
    for digits in (40, 5000, 100_000):
        yield "huge-number", f"id-{digits}", '{"id": ' + "9" * digits + ', "text": "x y"}'
    for value in ("0000-01-01", "0001-01-01", "99999-01-01", "9999-12-31", "1700-05-05",
                  "-5000-01-01", "2999-01-01", "1e999"):
        yield "dates", value, json.dumps({"text": "Dated text here.", "published": value})
    for depth in (100, 10_000, 100_000):
        yield "nesting", f"array-{depth}", "[" * depth + "]" * depth
        yield "nesting", f"object-{depth}", '{"a":' * depth + "1" + "}" * depth
    for value in ("5", "[1,2]", '{"a": 1}', "true", "null", "1.5e308"):
        yield "types", f"text-{value}", f'{{"text": {value}}}'
        yield "types", f"id-{value}", f'{{"id": {value}, "text": "Some text."}}'
    yield "types", "not-object", '["text", "x"]'
    yield "nan", "NaN", '{"text": "x", "n": NaN}'
    for n in (1, 10, 200):
        line = _good_article()
        yield "truncated", f"cut-{n}", line[: max(1, len(line) - n)]
        chars = list(line)
        for _ in range(n // 10 + 1):
            chars[rng.randrange(len(chars))] = rng.choice('{}[]":,\\x')
        yield "mutated", f"flip-{n}", "".join(chars)
    yield "huge-field", "title-1M", json.dumps({"text": "Some text.", "title": "t" * 1_000_000})
    yield "long-article", "250k", json.dumps({"text": (SENT * 3000)[:250_000]})
    yield "long-article", "2M", json.dumps({"text": "word " * 400_000})
    yield "regex-trap", "brackets", json.dumps({"text": "[" * 50_000})
    yield "regex-trap", "dateline", json.dumps(
        {"text": "WASHINGTON [" + "[" * 3000 + "USA" + "]" * 3000 + "] (AP) -- " + SENT * 20})
    yield "regex-trap", "quotes", json.dumps({"text": SENT * 10 + '"' + SENT * 800})
    yield "regex-trap", "pipes", json.dumps({"text": SENT + "| " * 30_000})
    # an embedded tweet's signature with nothing after it but spaces (stop 46's scan took 20 s
    # on one sentence of this before its repeats were bounded)
    yield "regex-trap", "tweet-signature", json.dumps(
        {"text": SENT + " — Someone (@someone)" + " " * 100_000 + "x."})
    # one capitalised "word" of 50k letters: a caption's "Name, left," scan was quadratic
    # on it (5 s per sentence before stop 47 bounded the name)
    yield "regex-trap", "one-long-word", json.dumps({"text": SENT + " " + "A" * 50_000 + "."})
    # a wire code beside a long run of spaces: the wire markup's patterns tried the run once
    # per space (minutes before stop 53)
    yield "regex-trap", "wire-spaces", json.dumps({"text": SENT + " &UR; OPTIONAL (" + " " * 200_000
                                                   + "x &LR; y."})
    # a chain of "according to" phrases: each phrase's end was a walk over all that followed
    # (about a minute for 32,000 characters before stop 53)
    yield "regex-trap", "according-chain", json.dumps({"text": "according to " * 5_000})


#: Pieces the random mutator splices into a valid record: each has broken some reader once.
HOSTILE_PIECES = ("\\ud800", "\\udfff", "9" * 60, "[" * 40, "{" * 40, '"', "\\", "\\u0000",
                  "\u2028", "\u2029", "NaN", "1e999", '{"a":', "<script>alert(1)</script>",
                  "javascript:", "\x1b[31m", "\ufeff", "0000-01-01", "99999-12-31", "null",
                  "true", "[]", "{}", ",", ":", "\t", "\r", " " * 200, "| " * 200,
                  "\u00e9\u4e2d\U0001f600")


XML_PIECES = ("<!DOCTYPE x [<!ENTITY a 'b'>]>", "&a;", "&#0;", "&#xD800;", "<![CDATA[", "]]>",
              "<", ">", "&", "</url>", "<url>", "</item>", "<item>", "<loc>", "</loc>",
              "<link>", "</link>", "\x00", "<news:news>", "xmlns:news='x'", "<" + "a" * 5000,
              "2026-12-07T99:99:99Z", "-0001-01-01", "2026-12-07T10:00:00+25:00",
              "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00",
              "<sitemap><loc>/index.xml</loc></sitemap>", "<?xml version='1.0'?>",
              "<html>", "<!--", "-->", "javascript:alert(1)", "file:///etc/passwd",
              "http://127.0.0.1:1/", "http://169.254.169.254/latest/", "%00", "\ufffe")
#: what ``mutate`` splices into a file of any format
PIECES = HOSTILE_PIECES + XML_PIECES


def mutate(text: str, rng: random.Random, pieces: Sequence[str] = PIECES,
           swaps: str = "<>&\"'/x0 ") -> str:
    """1 to 6 random edits of ``text``: a hostile piece of ``pieces`` spliced in, a span cut,
    a span repeated up to 2,000 times, a character swapped for one of ``swaps``."""
    for _ in range(rng.randint(1, 6)):
        at = rng.randrange(len(text) + 1)
        op = rng.random()
        if op < 0.5:
            text = text[:at] + rng.choice(pieces) + text[at:]
        elif op < 0.7:
            text = text[:at] + text[at + rng.randint(1, 20):]
        elif op < 0.85:
            span = text[at:at + rng.randint(1, 30)]
            text = text[:at] + span * rng.randint(2, 2000) + text[at:]
        else:
            text = text[:at] + rng.choice(swaps) + text[at + 1:]
    return text


def _random_lines(rng: random.Random, count: int) -> Iterator[tuple[str, str, str]]:
    """``count`` random edits of a valid record (splice a hostile piece, cut a span, repeat
    a span, swap a character), 1 to 6 edits each: the part of the run that grows with
    --per-category, so a larger run tries inputs no one wrote by hand."""
    base = _good_article().replace(GOOD_ID, "fuzz-mutant")
    for n in range(count):
        line = mutate(base, rng, HOSTILE_PIECES, '{}[]":,\\x0 ')
        yield "random-mutation", f"r{n}", line.replace("\n", " ")


def _jsonl_cases(folder: Path, rng: random.Random, per: int) -> Iterator[Case]:
    by_category: dict[str, list[tuple[str, str]]] = {}
    for category, name, line in [*_article_lines(rng), *_random_lines(rng, per)]:
        by_category.setdefault(category, []).append((name, line))
    for category, items in by_category.items():
        for name, line in items[:per]:
            safe = "".join(c if c.isalnum() else "_" for c in name)
            art = folder / f"art-{category}-{safe}.jsonl"
            art.write_bytes(("\n".join([_good_article(), line, _good_article()
                                        .replace(GOOD_ID, GOOD_ID + "-2")]) + "\n").encode())
            yield Case(category, name, art, "articles", True)
            clu = folder / f"clu-{category}-{safe}.jsonl"
            bad_cluster = line if not line.startswith("{") else (
                '{"id": "bad", "query": ' + line + ', "docs": [' + line + "]}")
            clu.write_bytes(("\n".join([_good_cluster(), bad_cluster]) + "\n").encode())
            yield Case(category, name, clu, "clusters", True)
    # whole-file oddities
    bom = folder / "art-bom.jsonl"
    bom.write_bytes(b"\xef\xbb\xbf" + _good_article().encode() + b"\n")
    yield Case("encoding", "bom", bom, "articles", True)
    sep = folder / "art-u2028.jsonl"
    sep.write_bytes((_good_article()[:-2] + ' \u2028 \u2029"}\n').encode())
    yield Case("encoding", "u2028", sep, "articles", True)
    nul = folder / "art-nul.jsonl"
    nul.write_bytes(b'{"text": "a\x00b"}\n' + _good_article().encode() + b"\n")
    yield Case("encoding", "nul-first-line", nul, "articles", True)
    latin = folder / "art-latin1.jsonl"
    latin.write_bytes('{"text": "caf\xe9"}\n'.encode("latin-1") + _good_article().encode() + b"\n")
    yield Case("encoding", "latin1-line", latin, "articles", True)


def _file_cases(folder: Path, per: int, categories: set[str] | None = None) -> Iterator[Case]:
    """Whole-file inputs; only those of ``categories`` are made (a gzip bomb takes seconds)."""
    def put(category: str, name: str, data: bytes) -> Case:
        path = folder / name
        path.write_bytes(data)
        return Case(category, name, path, "file", False)

    para = "<p>" + SENT + "</p>"
    makers: list[tuple[str, str, Callable[[], bytes]]] = [
        ("html", "tags100k.html", lambda: ("<html><body>" + "<div>" * 100_000 + para
                                           + "</div>" * 100_000 + "</body></html>").encode()),
        ("html", "spans100k.html", lambda: ("<html><body>" + "<span>x</span>" * 100_000 + para
                                            + "</body></html>").encode()),
        ("html", "entities.html", lambda: ("<html><body><p>" + "&amp;&lt;&#x41;" * 200_000
                                           + "</p>" + para + "</body></html>").encode()),
        ("html", "javascript-url.html", lambda: (
            "<html><head><link rel=canonical href='javascript:alert(1)'></head><body><article>"
            + para * 5 + "</article></body></html>").encode()),
        ("feed", "entries20k.rss", lambda: (
            "<?xml version='1.0'?><rss version='2.0'><channel><title>F</title>"
            + "".join(f"<item><title>T{i}</title><description>{SENT}</description></item>"
                      for i in range(20_000)) + "</channel></rss>").encode()),
        ("text", "dateline.txt", lambda: ("WASHINGTON [" + "[" * 5000 + "] (AP) -- "
                                          + SENT * 50).encode()),
        ("text", "stamp-pipes.txt", lambda: ("Title\n\nUpdated: Aug 23, 2017 " + "| " * 20_000
                                             + "\n\n" + SENT * 20).encode()),
        ("text", "quotes.txt", lambda: (SENT * 10 + '"' + SENT * 2000).encode()),
        ("text", "year-0.txt", lambda: ("date 0000-01-01\n" + SENT * 5).encode()),
        ("warc", "nostatus.warc", lambda: (
            b"WARC/1.0\r\nWARC-Type: response\r\nContent-Type: application/http; "
            b"msgtype=response\r\nContent-Length: 20\r\n\r\nGARBAGE\r\n\r\n<html>x\r\n\r\n")),
        ("warc", "hugelen.warc", lambda: (
            b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: http://x.test/\r\n"
            b"Content-Length: 99999999999999999999999\r\n\r\nHTTP/1.1 200 OK\r\n\r\nhi")),
        ("warc", "truncated.warc", lambda: b"WARC/1.0\r\nWARC-Type: resp"),
        ("gzip-bomb", "bomb.warc.gz", lambda: _bomb(b"\n")),
        ("gzip-bomb", "bomb-noext", lambda: _bomb(b"\0")),
        ("gzip-bomb", "bomb.jsonl.gz", lambda: _bomb(b"\n")),  # stop 56: gzipped JSONL
        ("binary", "random.txt", lambda: os.urandom(50_000)),
        # stop 56's readers: a JSON file nested past the limit, Markdown nested and overlong
        ("json", "deep.json", lambda: b"[" * 200_000 + b"]" * 200_000),
        ("markdown", "nested.md", lambda: "".join("  " * (i % 100) + "- [x](y) *a*\n"
                                                  for i in range(10_000)).encode()),
        ("markdown", "quotes.md", lambda: ("> " * 100_000 + SENT).encode()),
        ("markdown", "huge.md", lambda: ("a\n\n" * 1_000_000).encode()),
        ("text", "ansi-mojibake.txt", lambda: ("Ïðåçèäåíò " * 2000).encode("cp1252")),
        ("csv", "open-quote.csv", lambda: ('id,text\n1,"' + SENT * 30_000).encode()),
        ("csv", "columns100k.csv", lambda: (",".join(["text"] * 100_000) + "\n" + SENT).encode()),
        ("email", "deep.eml", lambda: ("Subject: x\n" + "".join(
            f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n'
            for i in range(3000)) + "Content-Type: text/plain\n\n" + SENT).encode()),
        ("email", "bad-charset.eml", lambda: (
            b"Subject: x\nContent-Type: text/plain; charset=x-nope\nContent-Transfer-Encoding: "
            b"base64\n\n!!@@notbase64\n")),
    ]
    for category, name, make in makers:
        if categories is None or category in categories:
            yield put(category, name, make())
    if categories is None or "json" in categories:
        # an array whose good article sits among bad elements: it must still be read
        mixed = folder / "array-mixed.json"
        mixed.write_text("[" + ",\n".join([
            '{"title": "no text"}', '"junk"', '{"text": "\\ud800"}', '[[[[[[1]]]]]]',
            _good_article(), '{"text": "x", "published": "0000-01-01"}']) + "]\n")
        yield Case("json", "array-mixed", mixed, "file", True)
    if categories is None or "csv" in categories:
        # a sheet whose good article sits among bad rows
        sheet = folder / "rows-mixed.csv"
        sheet.write_text("id,text,published\n" + "\n".join([
            "a,,2017-03-02", f'{GOOD_ID},"{GOOD_TEXT}",2017-03-02', "b,x,0000-01-01",
            'c,"\\ud800",', "d,\"unclosed"]) + "\n")
        yield Case("csv", "rows-mixed", sheet, "file", True)
    if categories is None or "versions" in categories:
        # a live page captured 20,000 times (one URL, one headline, new text each time), then
        # the good record: every capture is the next version of one article, in linear time
        live = folder / "one-url-20k.jsonl"
        live.write_text("".join(json.dumps({
            "title": "Live: the storm", "url": "https://paper.test/live/storm",
            "text": f"Update {i}: the storm moved north, officials said."}) + "\n"
            for i in range(20_000)) + _good_article() + "\n")
        yield Case("versions", "one-url-20k", live, "articles", True)
    zero = folder / "zero.txt"
    if os.path.exists("/dev/zero") and (categories is None or "special-file" in categories):
        zero.symlink_to("/dev/zero")
        yield Case("special-file", "dev-zero-symlink", zero, "file", False)


#: one valid file of each format a reader takes; ``file-mutation`` edits them at random
_PAGE = ("<html><head><title>Council passes budget</title><meta property=\"article:published_"
         "time\" content=\"2017-03-02T09:00:00Z\"></head><body><article><h1>Council passes "
         "budget</h1>" + "".join(f"<p>{SENT}</p>" for _ in range(6)) + "</article></body></html>")
_HTTP = "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + _PAGE
_FORMATS: dict[str, str] = {
    "page.html": _PAGE,
    "capture.warc": ("WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: http://x.test/a\r\n"
                     "WARC-Date: 2017-03-02T10:00:00Z\r\nContent-Type: application/http; "
                     f"msgtype=response\r\nContent-Length: {len(_HTTP.encode())}\r\n\r\n{_HTTP}"
                     "\r\n\r\n"),
    "mail.eml": ("From: Jane <j@x.test>\nSubject: Council passes budget\nDate: Thu, 02 Mar 2017 "
                 "10:00:00 +0000\nContent-Type: text/html; charset=utf-8\n\n" + _PAGE),
    "sheet.csv": f'id,title,text,published,url\n1,Council,"{SENT * 6}",2017-03-02,http://x.test/a\n',
    "note.md": ("---\ntitle: Council\ndate: 2017-03-02\n---\n# Council passes budget\n\n*By Jane "
                f"Roe* | 2017-03-02\n\n{SENT * 6}\n\n> a quote\n\n- [a link](http://x.test)\n\n"
                "<div>raw <b>html</b></div>\n"),
    "array.json": json.dumps([{"title": "Council", "text": SENT * 6, "published": "2017-03-02",
                               "url": "http://x.test/a"}]),
    "story.txt": "Council passes budget\n\nWASHINGTON (AP) -- " + SENT * 6,
    "wire.rss": ("<?xml version='1.0'?><rss version='2.0'><channel><title>Wire</title><item>"
                 "<title>Council</title><link>http://x.test/a</link><pubDate>Thu, 02 Mar 2017 "
                 f"10:00:00 +0000</pubDate><description>{SENT * 6}</description></item>"
                 "</channel></rss>"),
    "wire.atom": ("<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><title>A"
                  "</title><entry><title>T</title><link href='http://x.test/a'/><updated>"
                  "2017-03-02T10:00:00Z</updated><content type='html'>&lt;p&gt;"
                  f"{SENT * 6}&lt;/p&gt;</content></entry></feed>"),
}


def _mutated_files(folder: Path, rng: random.Random, per: int) -> Iterator[Case]:
    """``per`` random edits of a valid file of each format (``mutate``: hostile and XML pieces
    spliced in, spans cut or repeated), one in ten gzipped: every reader meets inputs no one
    wrote by hand. File-level cases: a broken file may be refused whole."""
    for name, text in _FORMATS.items():
        for n in range(per):
            data = mutate(text, rng).encode("utf-8", "surrogatepass")
            path = folder / f"mut{n}-{name}"
            if rng.random() < 0.1 and name.endswith((".warc", ".html")):
                data, path = gzip.compress(data), path.with_name(path.name + ".gz")
            path.write_bytes(data)
            yield Case("file-mutation", f"{n}-{name}", path, "file", False)


def _bomb(fill: bytes, size: int = 2 * 1024**3) -> bytes:
    out = io.BytesIO()  # a 2 GB expansion compresses to about 2 MB
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as gz:
        gz.write(b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: http://x.test/\r\n"
                 b"Content-Type: application/http; msgtype=response\r\n"
                 b"Content-Length: %d\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"
                 % size)
        block = fill * (8 * 1024 * 1024)
        for _ in range(size // len(block)):
            gz.write(block)
    return out.getvalue()


# --------------------------------------------------------------------------- running
def _commands(case: Case, db: Path, out: Path) -> dict[str, list[str]]:
    base = [sys.executable, "-m", "newsweave.cli"]
    p = str(case.path)
    cmds: dict[str, list[str]] = {"ingest": [*base, "ingest", p, "--db", str(db),
                                             "--no-progress"]}
    if case.kind == "clusters":
        cmds = {"weave --jsonl": [*base, "weave", "--jsonl", p, "--out", str(out),
                                  "--no-progress"]}
    else:
        cmds["weave"] = [*base, "weave", p, "--format", "json", "--out", str(out)]
    if case.kind == "articles":
        cmds["quotes --jsonl"] = [*base, "quotes", "--jsonl", p, "--out", str(out),
                                  "--no-progress"]
    return cmds


def _run(cmd: list[str], hang: float) -> tuple[int | None, str, float, float, float, bool]:
    """(exit code or None if killed as a hang, stderr, wall s, CPU s, peak RSS MB, hung).
    CPU time tells a slow input from a busy machine: on shared cores wall time can pass
    --hang while the child used far less CPU."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "HF_HUB_OFFLINE": "1"}
    started = time.monotonic()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env,
                                start_new_session=True)
        hung = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > hang:
                os.killpg(proc.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                hung = True
                break
            time.sleep(0.05)
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    return (None if hung else proc.returncode, stderr, time.monotonic() - started,
            usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, hung)


def _good_kept(command: str, case: Case, db: Path, out: Path, code: int | None) -> bool | None:
    if not case.has_good or code is None:
        return None
    if command == "ingest":
        import sqlite3

        try:
            with sqlite3.connect(db) as con:
                return bool(con.execute("select 1 from articles where id = ?",
                                        (GOOD_ID,)).fetchone())
        except sqlite3.Error:
            return False
    try:
        text = out.read_text(encoding="utf-8")
    except OSError:
        return False
    return GOOD_ID in text or (command == "weave" and GOOD_TEXT[:40] in text)


def run(per_category: int, hang: float, only: set[str] | None,
        categories: set[str] | None = None, seed: int = 10) -> list[Outcome]:
    rng = random.Random(seed)
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="newsweave-fuzz-") as tmp:
        folder = Path(tmp)
        cases = [*_jsonl_cases(folder, rng, per_category),
                 *_file_cases(folder, per_category, categories)]
        if categories is None or "file-mutation" in categories:
            cases += list(_mutated_files(folder, rng, per_category))
        for n, case in enumerate(cases):
            if categories and case.category not in categories:
                continue
            for command, cmd in _commands(case, folder / f"s{n}.db",
                                          folder / f"o{n}.out").items():
                if only and command not in only:
                    continue
                out = Path(cmd[cmd.index("--out") + 1]) if "--out" in cmd else folder / "x"
                out.unlink(missing_ok=True)
                code, stderr, secs, cpu, peak, hung = _run(cmd, hang)
                lines = [ln for ln in stderr.splitlines() if ln.strip()]
                outcome = Outcome(
                    command=command, category=case.category, name=case.name, exit_code=code,
                    traceback="Traceback" in stderr,
                    one_line_errors=all(ln.startswith("newsweave: ") or ln.startswith("read ")
                                        for ln in lines),
                    good_kept=_good_kept(command, case,
                                         Path(cmd[cmd.index("--db") + 1]) if "--db" in cmd
                                         else folder / "none", out, code),
                    seconds=round(secs, 2), cpu_seconds=round(cpu, 2), peak_mb=round(peak, 1),
                    hang=hung,
                )
                outcomes.append(outcome)
                flag = ("HANG" if hung else "TRACEBACK" if outcome.traceback else
                        "LOST" if outcome.good_kept is False else "")
                print(f"{command:15} {case.category:13} {case.name:22} exit={code} "
                      f"{secs:6.1f}s cpu {cpu:5.1f}s {peak:7.0f}MB {flag}", flush=True)
    return outcomes


def summarize(outcomes: list[Outcome]) -> dict[str, dict[str, float]]:
    table: dict[str, dict[str, float]] = {}
    for o in outcomes:
        row = table.setdefault(o.command, {"inputs": 0, "exit_2": 0, "exit_0": 0, "other_exit": 0,
                                           "tracebacks": 0, "multi_line_or_stray_stderr": 0,
                                           "hangs": 0, "good_record_lost": 0, "peak_mb": 0.0,
                                           "max_seconds": 0.0, "max_cpu_seconds": 0.0})
        row["inputs"] += 1
        key = {2: "exit_2", 0: "exit_0"}.get(o.exit_code, "other_exit")
        row[key] += 1
        row["tracebacks"] += o.traceback
        row["multi_line_or_stray_stderr"] += not o.one_line_errors
        row["hangs"] += o.hang
        row["good_record_lost"] += o.good_kept is False
        row["peak_mb"] = max(row["peak_mb"], o.peak_mb)
        row["max_seconds"] = max(row["max_seconds"], o.seconds)
        row["max_cpu_seconds"] = max(row["max_cpu_seconds"], o.cpu_seconds)
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-category", type=int, default=2,
                        help="inputs per category (default 2: a modest run)")
    parser.add_argument("--hang", type=float, default=60.0, help="seconds before a run is a hang")
    parser.add_argument("--commands", nargs="*", help="only these commands (e.g. ingest)")
    parser.add_argument("--categories", nargs="*", help="only these input categories")
    parser.add_argument("--json", metavar="FILE", help="write every outcome and the summary")
    parser.add_argument("--seed", type=int, default=10,
                        help="random seed (default 10); another seed, other random inputs")
    args = parser.parse_args(argv)
    outcomes = run(args.per_category, args.hang, set(args.commands) if args.commands else None,
                   set(args.categories) if args.categories else None, args.seed)
    table = summarize(outcomes)
    print(json.dumps(table, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"summary": table, "outcomes": [asdict(o) for o in outcomes]}, indent=1))
    bad = sum(r["tracebacks"] + r["hangs"] + r["good_record_lost"] for r in table.values())
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
