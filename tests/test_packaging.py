"""The wheel ships the data: a non-editable install, away from the checkout, runs the CLI on the bundled graph."""

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


def test_installed_wheel_runs_away_from_the_checkout(wheel: Path, tmp_path: Path):
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)], check=True
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    env.pop("TPPO_GRAPH_DATA", None)
    probe = subprocess.run(
        [sys.executable, "-c", "import tppo_graph.resources as r; print(r.bundled_root())"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(probe.stdout.strip()).is_relative_to(target), probe.stdout
    stats = subprocess.run(
        [sys.executable, "-m", "tppo_graph", "stats", "--format", "json"],
        check=False,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert stats.returncode == 0, stats.stderr
    assert '"triples"' in stats.stdout
