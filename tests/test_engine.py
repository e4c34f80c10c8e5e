"""The embedded engine: the on-disk store cache and the lightness of the query path."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tppo_graph.engine import cache_dir, open_store
from tppo_graph.queries import run_query

from .conftest import ROOT


@pytest.fixture
def private_cache(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("TPPO_GRAPH_CACHE", "always")
    return tmp_path


def test_cached_store_answers_like_the_in_memory_one(private_cache, bundled_store):
    cached = open_store()
    assert len(cached) == len(bundled_store)
    assert len(list(cache_dir().iterdir())) == 1
    name = "palermo-obligations-without-bilateral-mechanism"
    assert run_query(name, store=cached).values() == run_query(name, store=bundled_store).values()
    open_store()  # a second run reuses the store instead of building another
    assert len(list(cache_dir().iterdir())) == 1


def test_a_changed_file_gets_a_new_cache(private_cache):
    data = private_cache / "data"
    shutil.copytree(ROOT / "graph_data", data)
    first = len(open_store([data]))
    with (data / "sources.ttl").open("a", encoding="utf-8") as handle:
        handle.write('\n<https://w3id.org/tppo/id/extra> <http://www.w3.org/2000/01/rdf-schema#label> "x"@en .\n')
    assert len(open_store([data])) == first + 1  # never the stale store
    assert len(list(cache_dir().iterdir())) == 2


def test_broken_file_leaves_no_half_built_cache(private_cache):
    from tppo_graph.errors import GraphParseError

    bad = private_cache / "bad.ttl"
    bad.write_text("<urn:a> <urn:b> .\n", encoding="utf-8")
    with pytest.raises(GraphParseError, match=r"bad\.ttl:1:"):
        open_store([bad])
    assert not cache_dir().exists() or not any(p.name[:1] != "." for p in cache_dir().iterdir())


def test_unknown_cache_mode_is_a_clear_error(monkeypatch):
    from tppo_graph.errors import UsageError

    monkeypatch.setenv("TPPO_GRAPH_CACHE", "sometimes")
    with pytest.raises(UsageError, match="TPPO_GRAPH_CACHE"):
        open_store()


def test_query_path_does_not_import_heavy_libraries(tmp_path: Path):
    probe = (
        "import sys, json\n"
        "from tppo_graph.cli import main\n"
        "sys.argv = ['tppo-graph', 'query', 'palermo-obligations-without-bilateral-mechanism', '--format', 'csv']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write(json.dumps(sorted(m for m in ('rdflib', 'pyshacl', 'networkx', 'SPARQLWrapper') if m in sys.modules)))\n"
    )
    env = {**os.environ, "TPPO_GRAPH_CACHE": "never"}
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=tmp_path, check=True
    )
    assert json.loads(done.stderr.strip().splitlines()[-1]) == []
    assert done.stdout.startswith("obligation,provision")


def test_results_convert_to_a_dataframe(bundled_store):
    pd = pytest.importorskip("pandas")
    frame = run_query("state-treaty-participation", store=bundled_store).to_dataframe()
    assert isinstance(frame, pd.DataFrame) and list(frame.columns)[:2] == ["state", "treaty"]


def test_large_graph_first_query_answers_from_memory_while_the_store_builds(tmp_path, monkeypatch):
    import time

    from tppo_graph import engine

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("TPPO_GRAPH_CACHE", "auto")
    monkeypatch.setattr(engine, "SYNC_BUILD_MAX_BYTES", 0)  # treat the bundled graph as large
    first = open_store()
    assert len(first) > 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(p.name[:1] != "." for p in cache_dir().iterdir()):
        time.sleep(0.1)
    built = [p for p in cache_dir().iterdir() if p.name[:1] != "."]
    assert len(built) == 1, "the detached process did not build the store"
    while time.monotonic() < deadline and any(p.suffix == ".lock" for p in cache_dir().iterdir()):
        time.sleep(0.1)
    assert len(open_store()) == len(first)  # now read from the store the background process built
