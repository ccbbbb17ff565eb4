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
