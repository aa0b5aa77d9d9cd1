"""The shape of the engine, checked: import-linter's contracts (no Qt below app.ui; layers), no import cycles,
ruff and mypy clean (their configuration is in pyproject.toml)."""

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).parent.parent
BIN = Path(sys.executable).parent


def run(tool: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / tool), *args], cwd=ROOT, capture_output=True, text=True)


def test_import_contracts_are_kept():
    done = run("lint-imports")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "The engine never imports Qt (only app.ui may) KEPT" in done.stdout
    assert "Layers: each imports only from below it (docs/architecture.md) KEPT" in done.stdout
    assert "2 kept, 0 broken" in done.stdout


def cycles(graph: "grimp.ImportGraph", modules: set[str]) -> list[list[str]]:
    """Every module that can reach itself through imports (lazy ones inside functions included), with one loop."""
    found = []
    for start in sorted(modules):
        for imported in graph.find_modules_directly_imported_by(start):
            if imported in modules and start != imported:
                chain = graph.find_shortest_chain(importer=imported, imported=start)
                if chain:
                    found.append([start, *chain])
    return found


def test_no_import_cycles():
    graph = grimp.build_graph("app")
    modules = {m for m in graph.modules if m != "app"}
    assert cycles(graph, modules) == []


def test_cycle_finder_sees_a_cycle():
    graph = grimp.ImportGraph()
    for name in ("p", "p.a", "p.b", "p.c"):
        graph.add_module(name)
    graph.add_import(importer="p.a", imported="p.b")
    graph.add_import(importer="p.b", imported="p.a")
    graph.add_import(importer="p.b", imported="p.c")
    assert cycles(graph, {"p.a", "p.b", "p.c"}) == [["p.a", "p.b", "p.a"], ["p.b", "p.a", "p.b"]]


def test_ruff_finds_no_mistakes():
    done = run("ruff", "check", "app", "tests", "benchmarks", "--output-format", "concise")
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_finds_no_type_errors_in_the_engine():
    done = run("mypy")  # files and strictness: [tool.mypy] in pyproject.toml
    assert done.returncode == 0 and "Success" in done.stdout, done.stdout + done.stderr


def test_no_engine_module_is_too_big_to_read():
    """Small modules with one job each: a module past 400 lines is doing several (split it)."""
    sizes = {p.relative_to(ROOT).as_posix(): len(p.read_text().splitlines()) for p in (ROOT / "app").rglob("*.py")}
    assert sizes and not {name: n for name, n in sizes.items() if n > 400}
