"""Lint and types are part of the test suite, so the README's one test command covers them."""

from __future__ import annotations

import shutil
import subprocess

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
