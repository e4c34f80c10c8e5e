"""Lint and types are part of the test suite, so the README's one test command covers them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import ROOT


@pytest.mark.parametrize("command", [["check", "."], ["format", "--check", "."]], ids=["check", "format"])
def test_ruff(command):
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (pip install '.[test]')")
    result = subprocess.run([ruff, *command], check=False, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, f"ruff {' '.join(command)} failed; run `ruff {command[0]} --fix .`\n{result.stdout}"


def test_mypy_strict():
    """`mypy` with the project's configuration (strict, on tppo_graph/) reports nothing."""
    mypy = shutil.which("mypy")
    assert mypy is not None, "mypy is not installed (pip install '.[test]')"
    result = subprocess.run([mypy], check=False, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, f"mypy found type errors; run `mypy`\n{result.stdout[-3000:]}"


PACKAGE = ROOT / "tppo_graph"
#: a module that grows past this is doing more than one job (the review's yardstick: about 400 lines)
MAX_MODULE_LINES = 420


def _module_name(path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_imports(path) -> set[str]:
    """The tppo_graph modules ``path`` imports when it runs (at module level or inside functions), not for types."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = _module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found: set[str] = set()
    type_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for stmt in block.body
        for node in ast.walk(stmt)
    }
    for node in ast.walk(tree):
        if id(node) in type_only or not isinstance(node, ast.ImportFrom | ast.Import):
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("tppo_graph")}
            continue
        base = package[: len(package) - node.level + 1] if node.level else []
        module = ".".join([*base, *(node.module.split(".") if node.module else [])])
        if not module.startswith("tppo_graph"):
            continue
        for alias in node.names:  # `from . import log` imports the module tppo_graph.log
            candidate = f"{module}.{alias.name}"
            found.add(candidate if (ROOT / Path(*candidate.split("."))).with_suffix(".py").exists() else module)
    return found - {_module_name(path)}


def test_no_module_is_over_the_size_limit():
    sizes = {str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines()) for p in PACKAGE.rglob("*.py")}
    assert {p: n for p, n in sizes.items() if n > MAX_MODULE_LINES} == {}


def test_no_import_cycle_between_modules():
    graph = {_module_name(p): _runtime_imports(p) for p in PACKAGE.rglob("*.py")}
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, trail: list[str]) -> None:
        state[module] = 1
        for dependency in sorted(graph.get(module, ())):
            if state.get(dependency) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*trail, module, dependency]))
            if dependency not in state:
                visit(dependency, [*trail, module])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [])
