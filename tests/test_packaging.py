"""The wheel ships the data and declares its dependencies: installed into a fresh virtual environment with only
what it declares (no dev dependencies), away from the checkout, every verb runs on the bundled graph."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.packaging


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
        check=True,
    )
    (path,) = out.glob("tppo_graph-*.whl")
    return path


def test_wheel_contains_ontology_data_and_queries(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("ontology", "graph_data"):
        expected = {f"tppo_graph/_data/{folder}/{p.name}" for p in (ROOT / folder).glob("*.ttl")}
        assert expected and expected <= names, expected - names
    expected_queries = {f"tppo_graph/_data/queries/{p.name}" for p in (ROOT / "queries").glob("*.rq")}
    assert expected_queries <= names
    assert "tppo_graph/py.typed" in names
    templates = {f"tppo_graph/templates/{p.name}" for p in (ROOT / "tppo_graph" / "templates").iterdir() if p.is_file()}
    assert {"tppo_graph/templates/report.html.j2", "tppo_graph/templates/strings.json"} <= templates <= names
    if (ROOT / "web" / "node_modules" / "@zazuko" / "yasgui").is_dir() or os.environ.get("CI") == "true":
        # YASGUI from npm, vendored at build time for the page `serve` shows (hatch_build.py)
        vendored = {f"tppo_graph/_vendor/yasgui/{n}" for n in ("yasgui.min.js", "yasgui.min.css", "NOTICE.txt")}
        assert vendored <= names


def test_wheel_metadata_carries_the_licences(wheel: Path):
    archive = zipfile.ZipFile(wheel)
    (metadata,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
    lines = archive.read(metadata).decode("utf-8").splitlines()
    assert "License-Expression: MIT AND CC-BY-4.0" in lines
    assert {"License-File: LICENSE", "License-File: LICENSES/CC-BY-4.0.txt", "License-File: LICENSES/MIT.txt"} <= set(
        lines
    )
    shipped = {n.split(".dist-info/licenses/", 1)[1] for n in archive.namelist() if ".dist-info/licenses/" in n}
    assert shipped == {"LICENSE", "LICENSES/CC-BY-4.0.txt", "LICENSES/MIT.txt"}


@pytest.fixture(scope="module")
def fresh_venv(wheel: Path, tmp_path_factory) -> Path:
    """A new virtual environment (no system site-packages) with the wheel and only its declared dependencies."""
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    # without pip of its own (this pip installs into it): nothing but the wheel and what it declares
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    # --no-compile: pip would byte-compile all of scipy, matplotlib and the rest (9 s of CPU); the runs below
    # write the bytecode of what they import instead (_env), once
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-compile", str(wheel)]
    subprocess.run(install, check=True, capture_output=True)
    return venv


def test_fresh_install_has_no_dev_dependencies(fresh_venv: Path):
    probe = "import importlib.util as u; print([m for m in ('pytest', 'hypothesis', 'ruff', 'mypy', 'pip') if u.find_spec(m)])"
    done = subprocess.run([str(fresh_venv / "bin" / "python"), "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def _env(venv: Path) -> dict[str, str]:
    """The environment of a user of the fresh install: none of this checkout's settings, one cache of their own
    (beside the environment: the first run builds the store there and the next ones use it, as a user's would)."""
    # without PYTHONDONTWRITEBYTECODE: the first run writes the bytecode of what it imports for the others
    dropped = ("TPPO_GRAPH_DATA", "PYTHONPATH", "VIRTUAL_ENV", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env["XDG_CACHE_HOME"] = str(venv.parent / "cache")
    return env


#: every module of the package, and every library it imports only inside the function that needs it
IMPORT_PROBE = """
import importlib, pkgutil, json, tppo_graph
modules = [m.name for m in pkgutil.walk_packages(tppo_graph.__path__, "tppo_graph.") if m.name != "tppo_graph.__main__"]
for name in modules:
    importlib.import_module(name)
for lazy in ("rdflib", "pyshacl", "pyshacl_turbo", "networkx", "scipy.sparse.csgraph", "SPARQLWrapper", "yaml"):
    importlib.import_module(lazy)
from tppo_graph.resources import bundled_root
from tppo_graph.server import oxigraph_binary
print(json.dumps({"modules": len(modules), "root": str(bundled_root()), "oxigraph": oxigraph_binary()}))
"""


def test_fresh_install_imports_everything_it_uses(fresh_venv: Path, tmp_path: Path):
    """A dependency the code imports but the wheel does not declare fails here (and the data is in the wheel)."""
    import json

    done = subprocess.run(
        [str(fresh_venv / "bin" / "python"), "-c", IMPORT_PROBE],
        cwd=tmp_path,
        env=_env(fresh_venv),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout)
    assert found["modules"] > 20
    assert Path(found["root"]).is_relative_to(fresh_venv) and Path(found["oxigraph"]).is_relative_to(fresh_venv)


@pytest.mark.parametrize(
    "args",
    [
        ["query", "palermo-obligations-without-bilateral-mechanism"],
        ["validate"],
        ["network", "actors", "--top", "3"],
        ["report", "--format", "md"],
        ["site", "-o", "public", "--no-report"],
    ],
    ids=lambda a: a[0],
)
def test_installed_wheel_runs_away_from_the_checkout(fresh_venv: Path, tmp_path: Path, args):
    done = subprocess.run(
        [str(fresh_venv / "bin" / "tppo-graph"), *args],
        cwd=tmp_path,
        env=_env(fresh_venv),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    if args[0] == "site":  # writes a folder, says so on standard error
        assert (tmp_path / "public" / "id" / "IDN.en.html").is_file() and "Wrote the site" in done.stderr
    else:
        assert done.stdout.strip()
