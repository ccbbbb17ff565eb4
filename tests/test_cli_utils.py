"""cli_utils.output_sink: a finished run replaces --out atomically, a failed one leaves it,
and an --out that is not a regular file (/dev/null, a FIFO) is written in place, never
replaced by a file (as root, renaming over /dev/null replaces the device)."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from newsweave.cli_utils import output_sink


def test_out_file_replaced_only_when_finished(tmp_path: Path) -> None:
    out = tmp_path / "o.txt"
    out.write_text("old")
    with pytest.raises(RuntimeError), output_sink(str(out)) as fh:
        fh.write("half")
        raise RuntimeError("stage failed")
    assert out.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["o.txt"]
    with output_sink(str(out)) as fh:
        fh.write("new")
    assert out.read_text() == "new"


def test_fifo_out_is_written_in_place(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    with output_sink(str(fifo)) as fh:
        fh.write("brief\n")
    reader.join(10)
    assert got == ["brief\n"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)  # still a FIFO, not a file renamed over it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]
    # /dev/null takes the same path; not tested on the real device, since a regression
    # would replace the machine's /dev/null with a file


def test_symlinked_out_keeps_its_link(tmp_path: Path) -> None:
    target = tmp_path / "real.txt"
    target.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    with output_sink(str(link)) as fh:
        fh.write("new")
    assert link.is_symlink() and target.read_text() == "new"


def test_a_folder_as_out_is_refused_before_any_work(tmp_path: Path) -> None:
    """Said at once, naming the folder: the rename at the end failed after the whole weave,
    naming a temporary file."""
    from newsweave.errors import InputError

    worked = []
    with pytest.raises(InputError, match="is a folder: --out takes a file name"), \
            output_sink(str(tmp_path)):
        worked.append(1)
    assert not worked and list(tmp_path.iterdir()) == []


def test_out_never_replaces_a_sqlite_store(tmp_path: Path) -> None:
    """`articles --db news.db --out news.db` replaced the store with its own export."""
    from newsweave.errors import InputError
    from newsweave.store import open_store

    db = tmp_path / "news.db"
    open_store(str(db)).close()
    before = db.read_bytes()
    with pytest.raises(InputError, match="SQLite database"), output_sink(str(db)) as fh:
        fh.write("{}\n")
    assert db.read_bytes() == before


def test_out_keeps_the_mode_of_the_file_it_replaces(tmp_path: Path) -> None:
    out = tmp_path / "private.jsonl"
    out.write_text("old\n")
    out.chmod(0o600)
    with output_sink(str(out)) as fh:
        fh.write("new\n")
        # and while it is written: the temp file was at the umask's 644 for the whole run
        [tmp] = [p for p in tmp_path.iterdir() if ".tmp-" in p.name]
        assert stat.S_IMODE(tmp.stat().st_mode) == 0o600
    assert out.read_text() == "new\n" and stat.S_IMODE(out.stat().st_mode) == 0o600
    fresh = tmp_path / "new.jsonl"
    umask = os.umask(0o022)
    try:
        with output_sink(str(fresh)) as fh:
            fh.write("x\n")
            [tmp] = [p for p in tmp_path.iterdir() if ".tmp-" in p.name]
            assert stat.S_IMODE(tmp.stat().st_mode) == 0o600  # private until it is done
    finally:
        os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o644  # then as the umask makes a file


def test_sigterm_while_writing_leaves_no_temp_file(tmp_path: Path) -> None:
    """`timeout` or `kill` stopped an export and left FILE.tmp-PID (tens of MB) beside it."""
    import signal

    from newsweave.errors import Terminated

    out = tmp_path / "export.jsonl"
    out.write_text("previous export\n")
    with pytest.raises(Terminated), output_sink(str(out)) as fh:
        fh.write("partial\n")
        os.kill(os.getpid(), signal.SIGTERM)
    assert out.read_text() == "previous export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["export.jsonl"]
