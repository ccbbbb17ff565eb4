"""Located errors and warnings: printed by the CLI, gathered for the server's pages."""

from __future__ import annotations

import threading

from newsweave.errors import InputError, collect_warnings, warn


def test_warnings_go_to_stderr_unless_gathered(capsys):
    warn("a date dropped", "x.csv", 3)
    assert capsys.readouterr().err == "newsweave: warning: x.csv:3: a date dropped\n"
    with collect_warnings(limit=2) as got:
        for line in range(5):
            warn("a date dropped", "x.csv", line)
    assert capsys.readouterr().err == ""
    assert got.items == [InputError("a date dropped", "x.csv", 0),
                         InputError("a date dropped", "x.csv", 1)]
    assert (got.more, got.total) == (3, 5)
    warn("after")
    assert capsys.readouterr().err == "newsweave: warning: after\n"


def test_each_thread_gathers_its_own():
    """The server reads two users' uploads at once: neither sees the other's warnings."""
    seen: dict[str, list[str]] = {}
    start = threading.Barrier(2)

    def read(name: str) -> None:
        with collect_warnings() as got:
            start.wait()
            for n in range(50):
                warn(f"{name} {n}", name)
        seen[name] = [e.message for e in got.items]

    threads = [threading.Thread(target=read, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {n: [f"{n} {i}" for i in range(50)] for n in ("a", "b")}


def test_a_hostile_file_name_is_named_on_one_line_and_recolours_nothing(tmp_path, capsys):
    """A file named with a line break, a terminal colour code or a right-to-left override
    made `ingest`'s error two lines, or recoloured the terminal; it is now written with
    escapes, on one line."""
    from newsweave.cli import main

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a\nb.jsonl").write_text("{not json\n")
    (folder / "c\x1b[31mred.jsonl").write_text("{not json\n")
    (folder / "d\u202egnp.jsonl").write_text("{not json\n")
    assert main(["ingest", str(folder), "--db", str(tmp_path / "x.db"), "--no-progress"]) == 2
    lines = capsys.readouterr().err.splitlines()
    skipped = [line for line in lines if line.startswith("newsweave: skipped: ")]
    assert [line.split("/")[-1].split(":")[0] for line in skipped] == [
        "a\\nb.jsonl", "c\\x1b[31mred.jsonl", "d\\u202egnp.jsonl"]
    assert not any(c in "".join(lines) for c in "\x1b\u202e")
    assert len(lines) == 4  # three skipped, one error: no line broken in two


def test_a_message_worded_over_lines_reads_as_one():
    assert str(InputError("bad thing\nsecond line\r\n", "f.txt", 2)) == (
        "f.txt:2: bad thing second line ")
    assert str(InputError("colour \x1b[31m", "a\nb")) == "a\\nb: colour \\x1b[31m"


def test_a_mistyped_option_value_is_one_line_naming_the_help(capsys):
    """"--words nan" printed five lines of usage before the error (input-limits.md: one
    line and exit 2)."""
    from newsweave.cli import main

    for argv, said in ((["weave", "x", "--words", "nan"], "--words: must be a whole number"),
                       (["serve", "--port", "http"], "argument --port: invalid int"),
                       (["update", "--words", "0"], "--words: must be a positive number"),
                       (["weave", "--frmat", "json"], "unrecognized arguments: --frmat")):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("newsweave: error: ") and said in err
        assert "--help)" in err and "usage:" not in err
