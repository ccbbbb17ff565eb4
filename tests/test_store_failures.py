"""A store the user cannot write: every writing command stops with one line naming the store
and exit 2 before any work, reading commands still work, and nothing stored changes.

Root ignores file modes, so when the tests run as root the child process is started without
the capabilities that let root bypass them (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH,
CAP_FOWNER dropped from its bounding set before exec): it is still uid 0 and can read the
virtual environment, but a 0444 file or a 0555 folder is as read-only to it as to any user.
Not as root, plain modes do it. The child runs every command in one interpreter (through
``newsweave.cli.main``, stderr captured per command) to keep the test short."""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from newsweave.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "sessions-2017"
OUTLETS = ROOT / "examples" / "outlets.csv"
PR_CAPBSET_DROP = 24
#: CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
BYPASS_CAPS = (1, 2, 3)

CHILD = r"""
import contextlib, io, json, sys
from newsweave.cli import main
from newsweave import cli_serve, serve
from newsweave.store import open_store

out = []
for argv in json.loads(sys.argv[1]):
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()) as so:
        code = main(argv)
    out.append({"argv": argv, "code": code, "err": err.getvalue(), "out": so.getvalue()})
# the server: a read-only store is served read-only (the token is dropped, with one warning)
from fastapi.testclient import TestClient
store = open_store(sys.argv[2], create=False)
err = io.StringIO()
with contextlib.redirect_stderr(err):
    token = cli_serve._writable_token(store, "secret", follow=False)
with TestClient(serve.create_app(store, token)) as client:
    listing = client.get("/api/stories")
    post = client.post("/api/articles", headers={"Authorization": "Bearer secret"},
                       json={"text": "The council met on Monday to pass the budget."})
out.append({"serve_token": token, "serve_err": err.getvalue(),
            "list_status": listing.status_code, "stories": listing.json()["total"],
            "post_status": post.status_code})
print(json.dumps(out))
"""


def _drop_bypass() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in BYPASS_CAPS:
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _child_kwargs() -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "HF_HUB_OFFLINE": "1"}
    kwargs: dict = {"env": env, "capture_output": True, "text": True, "timeout": 300}
    if os.geteuid() == 0:
        kwargs["preexec_fn"] = _drop_bypass
    return kwargs


def _check_mechanism(tmp_path: Path) -> None:
    """The child really cannot write a 0444 file (else the test would prove nothing)."""
    probe = tmp_path / "probe.txt"
    probe.write_text("x")
    probe.chmod(0o444)
    try:
        done = subprocess.run([sys.executable, "-c", f"open({str(probe)!r}, 'a')"],
                              **_child_kwargs())
    except (subprocess.SubprocessError, OSError) as exc:
        pytest.skip(f"cannot start a child without root's file-mode bypass: {exc}")
    finally:
        probe.chmod(0o644)
    if "PermissionError" not in done.stderr:
        pytest.skip("the child can still write a read-only file: no way to test here")


def _fingerprint(folder: Path) -> tuple[str, int, int, int]:
    """The store file's bytes, the size of any WAL beside it, and its article and story
    counts (read as immutable, which creates no -shm file: one would make the folder's
    store writable again)."""
    db = folder / "s.db"
    digest = hashlib.sha256(db.read_bytes()).hexdigest()
    wal = folder / "s.db-wal"
    wal_size = wal.stat().st_size if wal.exists() else 0
    con = sqlite3.connect(f"file:{db}?immutable=1", uri=True)
    try:
        counts = [con.execute(f"select count(*) from {t}").fetchone()[0]
                  for t in ("articles", "stories")]
    finally:
        con.close()
    return digest, wal_size, counts[0], counts[1]


@pytest.fixture
def stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with a store holding the example articles grouped (a stand-in grouper: one
    story), checkpointed and closed (no -wal or -shm files left)."""
    import newsweave.group
    from newsweave.group import StoryAssignment

    def one_story(articles, **_options):
        for a in articles:
            yield a, StoryAssignment(a.id, "s-1", None)

    monkeypatch.setattr(newsweave.group, "group_stream", one_story)
    monkeypatch.setattr(newsweave.group, "story_headline", lambda arts: "Sessions")
    folder = tmp_path / "store"
    folder.mkdir()
    db = str(folder / "s.db")
    assert main(["ingest", str(EXAMPLE), "--db", db, "--no-progress"]) == 0
    assert main(["stories", "--db", db, "--no-progress"]) == 0
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    for extra in ("s.db-wal", "s.db-shm"):
        (folder / extra).unlink(missing_ok=True)
    return folder


WRITING = {
    "ingest": ["ingest", "{new}", "--db", "{db}", "--no-progress"],
    "stories": ["stories", "--db", "{db}", "--no-progress"],
    "stories --rebuild": ["stories", "--rebuild", "--db", "{db}", "--no-progress"],
    "update": ["update", "--db", "{db}", "--no-progress"],
    "weave --db --all": ["weave", "--db", "{db}", "--all", "--out", "{out}", "--no-progress"],
    "backfill": ["backfill", "{new}", "--db", "{db}", "--no-progress", "--workers", "1"],
    "outlets import": ["outlets", "import", str(OUTLETS), "--db", "{db}"],
    "follow --once": ["follow", "{urls}", "--db", "{db}", "--once"],
    "serve --follow": ["serve", "--db", "{db}", "--follow", "{urls}", "--port", "9"],
}
READING = {
    "stories --list": ["stories", "--list", "--db", "{db}"],
    "articles": ["articles", "--db", "{db}"],
    "outlets list": ["outlets", "list", "--db", "{db}"],
}


@pytest.mark.parametrize("mode", ["file", "folder", "both"])
def test_read_only_store(stored: Path, tmp_path: Path, mode: str) -> None:
    _check_mechanism(tmp_path)
    db = stored / "s.db"
    new = tmp_path / "new.txt"
    new.write_text("The mayor said on Friday that the new bridge would open in May.\n")
    urls = tmp_path / "urls.txt"
    urls.write_text("http://127.0.0.1:9/feed.xml\n")
    fill = {"db": str(db), "new": str(new), "urls": str(urls), "out": str(tmp_path / "o.jsonl")}
    argvs = [[a.format(**fill) for a in argv] for argv in [*WRITING.values(), *READING.values()]]
    before = _fingerprint(stored)
    if mode in ("file", "both"):
        db.chmod(0o444)
    if mode in ("folder", "both"):
        stored.chmod(0o555)
    try:
        done = subprocess.run([sys.executable, "-c", CHILD, json.dumps(argvs), str(db)],
                              cwd=tmp_path, **_child_kwargs())
    finally:
        stored.chmod(0o755)
        db.chmod(0o644)
    assert done.returncode == 0, done.stderr[-2000:]
    *results, served = json.loads(done.stdout)
    for name, result in zip([*WRITING, *READING], results, strict=True):
        lines = result["err"].splitlines()
        if name in WRITING:
            assert result["code"] == 2, (name, result)
            assert len(lines) == 1, (name, lines)
            assert lines[0].startswith(f"newsweave: error: {db}: "), (name, lines)
            assert "read-only" in lines[0] or "readonly" in lines[0], (name, lines)
        else:
            assert result["code"] == 0 and lines == [], (name, result)
    listed = next(r for n, r in zip([*WRITING, *READING], results, strict=True)
                  if n == "articles")
    assert len(listed["out"].splitlines()) == 3  # the three example articles, read back
    assert served["serve_token"] is None
    assert served["serve_err"].startswith(f"newsweave: warning: {db}: ")
    assert served["serve_err"].count("\n") == 1
    assert served["list_status"] == 200 and served["stories"] == 1
    assert served["post_status"] == 403  # served read-only: writes refused, not a 500
    assert _fingerprint(stored) == before
    assert not (tmp_path / "o.jsonl").exists()


# --------------------------------------------------------------------------- damaged stores
def _garbage(db: Path) -> None:
    db.write_bytes(os.urandom(20_000))


def _truncated(db: Path) -> None:
    with db.open("r+b") as fh:
        fh.truncate(db.stat().st_size // 3)


def _header_garbage(db: Path) -> None:
    with db.open("r+b") as fh:
        fh.seek(100)
        fh.write(os.urandom(4000))


def _directory(db: Path) -> None:
    db.unlink()
    db.mkdir()


def _newer(db: Path) -> None:
    con = sqlite3.connect(db)
    con.execute("insert into schema_version(version, name, applied_at) values (999, 'x', 'y')")
    con.commit()
    con.close()


def _empty(db: Path) -> None:
    db.write_bytes(b"")


DAMAGE = {"garbage": _garbage, "truncated": _truncated, "header-garbage": _header_garbage,
          "directory": _directory, "newer-schema": _newer, "empty": _empty}
EXPECTED = {"garbage": "file is not a database", "truncated": "malformed",
            "header-garbage": "malformed", "directory": "is a directory",
            "newer-schema": "schema version 999 is newer", "empty": "empty file (0 bytes)"}


def _snapshot(db: Path) -> bytes | None:
    return db.read_bytes() if db.is_file() else None


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_store_is_one_line_for_every_command(
    stored: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    db = stored / "s.db"
    DAMAGE[damage](db)
    before = _snapshot(db)
    new = tmp_path / "new.txt"
    new.write_text("The mayor said on Friday that the new bridge would open in May.\n")
    urls = tmp_path / "urls.txt"
    urls.write_text("http://127.0.0.1:9/feed.xml\n")
    fill = {"db": str(db), "new": str(new), "urls": str(urls), "out": str(tmp_path / "o.jsonl")}
    commands = {**WRITING, **READING,
                "weave --db --story": ["weave", "--db", "{db}", "--story", "s-1"]}
    for name, argv in commands.items():
        if damage == "empty" and name in ("ingest", "backfill", "outlets import",
                                          "follow --once", "serve --follow"):
            continue  # an empty file is an empty SQLite database: these start a store in it
        code = main([a.format(**fill) for a in argv])
        err = capsys.readouterr().err
        assert code == 2, (name, err)
        assert err.count("\n") == 1 and err.startswith("newsweave: error: "), (name, err)
        assert str(db) in err and EXPECTED[damage] in err, (name, err)
        assert _snapshot(db) == before, name
    assert not (tmp_path / "o.jsonl").exists()


def test_garbage_wal_is_ignored_and_nothing_is_lost(
    stored: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A -wal file of random bytes has no valid frame (bad header and checksums): SQLite
    ignores it, so the store reads and writes as before; that is not an error."""
    db = stored / "s.db"
    (stored / "s.db-wal").write_bytes(os.urandom(9000))
    assert main(["articles", "--db", str(db)]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 3
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    con.close()


def test_file_size_limit_mid_ingest_is_one_line(stored: Path, tmp_path: Path) -> None:
    """A write that the file system refuses (here RLIMIT_FSIZE, standing in for a full
    disk: the same failed write(2) under SQLite) is one line naming the store, exit 2, and
    the store keeps what it held, intact."""
    import resource
    import signal

    db = stored / "s.db"
    many = tmp_path / "many.jsonl"
    with many.open("w") as fh:
        for i in range(3000):
            fh.write(json.dumps({"id": f"a{i}", "text": f"The council met about item {i}. " * 20})
                     + "\n")
    limit = db.stat().st_size + 300_000
    con = sqlite3.connect(db)
    held = {r[0] for r in con.execute("select id from articles")}
    con.close()

    def small_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    kwargs = _child_kwargs()
    kwargs.pop("preexec_fn", None)
    done = subprocess.run([sys.executable, "-m", "newsweave.cli", "ingest", str(many), "--db",
                           str(db), "--no-progress"], preexec_fn=small_files, **kwargs)
    assert done.returncode == 2
    assert done.stderr.startswith(f"newsweave: error: store error: {db}: ")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    ids = {r[0] for r in con.execute("select id from articles")}
    con.close()
    assert len(held) == 3 and held <= ids  # batches committed before the failure may stay


@pytest.mark.parametrize("kind", ["fifo", "parent-is-file", "ignored-url-option"])
def test_odd_store_paths_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      kind: str) -> None:
    if kind == "fifo":
        db = str(tmp_path / "fifo.db")
        os.mkfifo(db)
        expected = "not a regular file"
    elif kind == "parent-is-file":
        (tmp_path / "plain").write_text("x")
        db, expected = str(tmp_path / "plain" / "s.db"), "plain: not a folder"
    else:
        db, expected = f"sqlite:///{tmp_path / 'u.db'}?mode=ro", "are not accepted"
    new = tmp_path / "new.txt"
    new.write_text("The mayor said on Friday that the new bridge would open in May.\n")
    for argv in (["ingest", str(new), "--db", db, "--no-progress"], ["articles", "--db", db]):
        code = main(argv)
        err = capsys.readouterr().err
        assert code == 2 and err.count("\n") == 1 and err.startswith("newsweave: error: ")
        assert expected in err or "no such database" in err, err


def test_full_disk_is_one_line_for_every_writing_command(
    stored: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every write transaction fails as a full disk does (SQLITE_FULL at commit, after the
    up-front probe passed, since that probe writes nothing to disk): one line naming the
    store, exit 2, the file unchanged."""
    from sqlalchemy.exc import OperationalError

    from newsweave.store import Store

    def full(self: Store):
        raise OperationalError("COMMIT", {}, sqlite3.OperationalError("database or disk is full"))

    db = stored / "s.db"
    before = _fingerprint(stored)
    monkeypatch.setattr(Store, "require_writable", lambda self: None)
    monkeypatch.setattr(Store, "_write", full)
    new = tmp_path / "new.txt"
    new.write_text("The mayor said on Friday that the new bridge would open in May.\n")
    fill = {"db": str(db), "new": str(new), "urls": "", "out": str(tmp_path / "o.jsonl")}
    for name, argv in WRITING.items():
        if name in ("follow --once", "serve --follow", "backfill", "stories"):
            continue  # follow reports per URL and goes on (and serve would start serving);
            # backfill's workers reopen the store; `stories` has nothing new to group here
        code = main([a.format(**fill) for a in argv])
        err = capsys.readouterr().err
        assert code == 2, (name, err)
        assert err == f"newsweave: error: store error: {db}: database or disk is full\n", name
    assert _fingerprint(stored) == before


def test_store_wide_failure_tells_the_store_from_a_story() -> None:
    from sqlalchemy.exc import IntegrityError, OperationalError

    from newsweave.app import store_wide_failure

    def op(words: str) -> OperationalError:
        return OperationalError("INSERT", {}, sqlite3.OperationalError(words))

    assert store_wide_failure(op("database or disk is full"))
    assert store_wide_failure(op("attempt to write a readonly database"))
    assert store_wide_failure(sqlite3.DatabaseError("file is not a database"))
    assert not store_wide_failure(op("database is locked"))  # busy: another writer, not broken
    assert not store_wide_failure(IntegrityError("INSERT", {}, Exception("UNIQUE failed")))
    assert not store_wide_failure(ValueError("database or disk is full"))  # not from the store
