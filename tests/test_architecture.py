"""The import rules docs/architecture.md states, checked on the source: the web server, the
follower and the backfill import no command-line module and none of the others' modules, and
no stage imports a front end."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "newsweave"
FRONT_ENDS = {"serve", "follow", "backfill"}


def imports() -> dict[str, set[str]]:
    """Module -> the newsweave modules it imports, at any depth of its body."""
    out: dict[str, set[str]] = {}
    for path in SRC.glob("*.py"):
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("newsweave"):
                if node.module == "newsweave":
                    deps |= {a.name for a in node.names}
                else:
                    deps.add(node.module.split(".")[1])
            elif isinstance(node, ast.Import):
                deps |= {a.name.split(".")[1] for a in node.names
                         if a.name.startswith("newsweave.")}
        out[path.stem] = deps
    return out


def test_only_the_command_line_imports_command_line_modules():
    graph = imports()
    assert {"serve", "follow", "backfill", "quotes", "app"} <= graph.keys()
    wrong = {m: sorted(d for d in deps if d.startswith("cli"))
             for m, deps in graph.items() if not m.startswith("cli") and m != "__main__"}
    assert {m: d for m, d in wrong.items() if d} == {}


def test_front_ends_do_not_import_each_other_and_stages_import_none():
    graph = imports()
    for front in FRONT_ENDS:
        assert not graph[front] & (FRONT_ENDS - {front}), front
    stages = set(graph) - FRONT_ENDS - {"app", "background", "jobs", "__main__", "ray_engine",
                                        "shards"}
    stages = {m for m in stages if not m.startswith("cli")}
    assert {m: sorted(graph[m] & FRONT_ENDS) for m in stages if graph[m] & FRONT_ENDS} == {}
