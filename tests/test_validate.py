"""Input limits: bounded JSON, lone surrogates, dates, text length, and the readers that use them
(every bad record is one located error, the good records beside it still come through)."""

from __future__ import annotations

import json
import os
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from newsweave import validate
from newsweave.errors import InputError
from newsweave.ingest import iter_articles, iter_clusters


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1", 0), ("[]", 1), ('{"a": [1, {"b": "[[[["}]}', 3), ("[" * 10 + "]" * 10, 10)],
)
def test_json_depth_ignores_strings(text: str, expected: int) -> None:
    assert validate.json_depth(text) == expected


def test_json_depth_is_fast_on_hostile_nesting() -> None:
    started = time.monotonic()
    assert validate.json_depth("[" * 1_000_000) > validate.MAX_JSON_DEPTH
    assert validate.json_depth("[" * 100_000 + "]" * 100_000) > validate.MAX_JSON_DEPTH
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ('"\\ud800"', "lone surrogate \\ud800"),
        ('{"id": "x\\udfff"}', "lone surrogate \\udfff"),
        ('{"\\udc00": 1}', "lone surrogate"),
        ("1" * 5000, "5000 digits"),
        ('{"a": -' + "9" * 40 + "}", "digits"),
        ("NaN", "NaN is not valid JSON"),
        ('{"a": Infinity}', "Infinity"),
        ("[" * 100_000, "nested"),
        ('{"a":' * 40 + "1" + "}" * 40, "nested 40 deep"),
    ],
)
def test_loads_refuses_what_json_lets_through(line: str, fragment: str) -> None:
    with pytest.raises(validate.LimitError, match=None) as info:
        validate.loads(line)
    assert fragment in str(info.value)


def test_loads_keeps_ordinary_json() -> None:
    assert validate.loads('{"a": [1, 2.5, "x\\u2028y", null, true]}') == {
        "a": [1, 2.5, "x\u2028y", None, True]
    }


def test_date_range() -> None:
    assert validate.iso_in_range("2017-03-02")
    assert validate.iso_in_range("1800-01-01")
    assert not validate.iso_in_range("1799-12-31")
    assert not validate.iso_in_range("0001-01-01")
    assert not validate.iso_in_range((date.today() + timedelta(days=3)).isoformat())
    assert validate.iso_in_range(None)


def test_check_text_limit() -> None:
    validate.check_text("x" * validate.MAX_TEXT_CHARS)
    with pytest.raises(validate.LimitError, match="over the 1,000,000 limit"):
        validate.check_text("x" * (validate.MAX_TEXT_CHARS + 1))
    with pytest.raises(validate.LimitError, match="surrogate"):
        validate.check_text("ok \ud800")


def _write_lines(path: Path, lines: list[str], bom: bool = False) -> Path:
    path.write_text(("\ufeff" if bom else "") + "\n".join(lines) + "\n", encoding="utf-8")
    return path


HOSTILE_LINES = [
    '{"id": "\\ud800", "text": "Bad id."}',
    '{"id": 1' + "1" * 5000 + ', "text": "Huge id."}',
    "[" * 100_000,
    '{"id": "n", "text": "nul \x00 here"}',
    '{"id": "t", "text": ["not", "a", "string"]}',
    '{"id": "u", "text": "x", "title": 5}',
    '{"id": "big", "text": "' + "a " * (validate.MAX_TEXT_CHARS // 2 + 1) + '"}',
]


def test_jsonl_bad_records_are_located_and_good_ones_kept(tmp_path: Path, capsys) -> None:
    good = [
        '{"id": "g1", "text": "First good \u2028 record, with a line separator inside."}',
        '{"id": "g2", "text": "Second good record.", "published": "0001-01-01"}',
        '{"id": "g3", "text": "Third good record.", "published": "2017-03-02"}',
    ]
    path = _write_lines(tmp_path / "mixed.jsonl", [good[0], *HOSTILE_LINES, *good[1:]], bom=True)
    errors: list[InputError] = []
    articles = list(iter_articles(path, on_error=errors.append))
    assert [a.id for a in articles] == ["g1", "g2", "g3"]
    assert "\u2028" in articles[0].text
    assert articles[1].published is None and articles[2].published == "2017-03-02"
    assert [e.line for e in errors] == list(range(2, 2 + len(HOSTILE_LINES)))
    assert all(str(e).startswith(f"{path}:") and "\n" not in str(e) for e in errors)
    warning = capsys.readouterr().err
    assert f"{path}:{2 + len(HOSTILE_LINES)}:" in warning and "0001-01-01" in warning


def test_cluster_query_and_doc_limits(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "c1", "query": 5, "docs": [{"text": "A doc."}]}),
        json.dumps({"id": "c2", "docs": [{"text": "A doc.", "date": "99999-01-01"}]}),
        '{"id": "c3", "docs": [{"text": "\\udfff"}]}',
        json.dumps({"id": "c4", "docs": [{"text": "Fine doc.", "date": "0100-01-01"}]}),
    ]
    path = _write_lines(tmp_path / "clusters.jsonl", lines)
    items = list(iter_clusters(path))
    assert isinstance(items[0], InputError) and '"query" must be a string' in str(items[0])
    assert not isinstance(items[1], InputError) and items[1].articles[0].published is None
    assert isinstance(items[2], InputError) and items[2].line == 3
    assert not isinstance(items[3], InputError) and items[3].articles[0].published is None


def test_nul_byte_spoils_one_line_not_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nul.jsonl"
    path.write_bytes(b'{"text": "a\x00b"}\n{"id": "ok", "text": "Fine."}\n')
    errors: list[InputError] = []
    assert [a.id for a in iter_articles(path, on_error=errors.append)] == ["ok"]
    assert errors[0].line == 1 and "NUL" in str(errors[0])


def test_binary_jsonl_is_still_refused_whole(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(InputError, match="binary"):
        list(iter_articles(path))


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_device_behind_symlink_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "zero.txt"
    link.symlink_to("/dev/zero")
    with pytest.raises(InputError, match="not a regular file"):
        list(iter_articles(link))
    (tmp_path / "ok.txt").write_text("A short article about the council budget.\n")
    assert len(list(iter_articles(tmp_path))) == 1  # the folder walk skips the device


def test_text_file_dates_out_of_range_dropped(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("date 0001-01-01\nCouncil passes the budget after a long night.\n")
    (article,) = iter_articles(path)
    assert article.published is None


# --------------------------------------------------------------------------- WARC and HTML
def _warc_head(length: int, uri: bool = True) -> bytes:
    target = b"WARC-Target-URI: http://x.test/\r\n" if uri else b""
    return (b"WARC/1.0\r\nWARC-Type: response\r\n" + target
            + b"Content-Type: application/http; msgtype=response\r\n"
            + b"Content-Length: %d\r\n\r\n" % length)


@pytest.mark.parametrize(
    "data",
    [
        _warc_head(20, uri=False) + b"GARBAGE\r\n\r\n<html>x\r\n\r\n\r\n",
        _warc_head(10**30) + b"HTTP/1.1 200 OK\r\n\r\nhi",
        b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: -5\r\n\r\n",
        b"WARC/1.0\r\n" + b"X" * 200 + b"\r\n\r\n",
    ],
)
def test_malformed_warc_is_one_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "bad.warc"
    path.write_bytes(data)
    errors: list[InputError] = []
    assert list(iter_articles(path, on_error=errors.append)) == []
    assert errors and all(str(e).startswith(str(path)) for e in errors)


def test_gzip_bomb_stops_at_the_expansion_cap(tmp_path: Path, monkeypatch) -> None:
    import gzip

    from newsweave import ingest

    monkeypatch.setattr(ingest, "WARC_EXPAND_FLOOR", 8 * 1024 * 1024)
    path = tmp_path / "bomb"  # extension-less: sniffed as gzip -> WARC
    with gzip.open(path, "wb") as out:
        out.write(_warc_head(2 * 1024**3) + b"HTTP/1.1 200 OK\r\n\r\n")
        for _ in range(64):
            out.write(b"\n" * (1024 * 1024))
    started = time.monotonic()
    with pytest.raises(InputError, match="gzip bomb"):
        list(iter_articles(path))
    assert time.monotonic() - started < 20


def test_endless_warc_header_line_is_refused(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "line.warc.gz"
    with gzip.open(path, "wb") as out:
        out.write(b"WARC/1.0\r\nWARC-Type: response\r\nX-Long: ")
        for _ in range(8):
            out.write(b"a" * (1024 * 1024))
    with pytest.raises(InputError, match="without a line break"):
        list(iter_articles(path))


def test_html_with_too_many_tags_is_refused_fast(tmp_path: Path) -> None:
    path = tmp_path / "tags.html"
    path.write_text("<html><body>" + "<span>x</span>" * 60_000 + "<p>Text.</p></body></html>")
    started = time.monotonic()
    with pytest.raises(InputError, match="tags is over the 50,000 limit"):
        list(iter_articles(path))
    assert time.monotonic() - started < 2


# --------------------------------------------------------------------------- store failures
def test_full_disk_is_one_line_exit_2(tmp_path: Path, capsys, monkeypatch) -> None:
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from newsweave.cli import main
    from newsweave.store import Store

    def full(self, *args, **kwargs):
        raise OperationalError("INSERT ...", {}, sqlite3.OperationalError(
            "database or disk is full"))

    monkeypatch.setattr(Store, "add_articles", full)
    article = tmp_path / "a.txt"
    article.write_text("The council passed the budget on Tuesday.\n")
    code = main(["ingest", str(article), "--db", str(tmp_path / "s.db"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2
    assert err == f"newsweave: error: store error: {tmp_path / 's.db'}: database or disk is full\n"


def test_corrupted_store_is_one_line_exit_2(tmp_path: Path, capsys) -> None:
    from newsweave.cli import main

    db = tmp_path / "junk.db"
    db.write_bytes(b"this is not a database" * 500)
    code = main(["stories", "--db", str(db)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "not a database" in err
