"""The on-disk store cache behind the embedded engine, and the lightness of the query path."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tppo_graph.engines import LocalEngine, connect
from tppo_graph.queries import run_query
from tppo_graph.store import cache_dir, open_store

from .conftest import ROOT


def stores() -> list[Path]:
    """The published stores in the cache (not the lock files, not the private folders of builds)."""
    return [p for p in cache_dir().iterdir() if not p.name.startswith(".")]


@pytest.fixture
def private_cache(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("TPPO_GRAPH_CACHE", "always")
    return tmp_path


def test_cached_store_answers_like_the_in_memory_one(private_cache, bundled_store, local):
    engine = connect()
    assert isinstance(engine, LocalEngine)
    assert len(engine.store) == len(bundled_store)
    assert len(stores()) == 1
    name = "palermo-obligations-without-bilateral-mechanism"
    assert run_query(name, engine=engine).values() == run_query(name, engine=local).values()
    connect()  # a second run reuses the store instead of building another
    assert len(stores()) == 1


def test_a_changed_file_gets_a_new_cache(private_cache):
    data = private_cache / "data"
    shutil.copytree(ROOT / "graph_data", data)
    first = len(open_store([data]))
    with (data / "sources.ttl").open("a", encoding="utf-8") as handle:
        handle.write('\n<https://w3id.org/tppo/id/extra> <http://www.w3.org/2000/01/rdf-schema#label> "x"@en .\n')
    assert len(open_store([data])) == first + 1  # never the stale store
    assert len(stores()) == 2


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


HEAVY = ("rdflib", "pyshacl", "pyshacl_turbo", "networkx", "matplotlib", "SPARQLWrapper", "yaml", "scipy", "pandas")
_PROBE = (
    "import sys, json\n"
    "from tppo_graph.cli import main\n"
    "code = main(['query', 'palermo-obligations-without-bilateral-mechanism', *sys.argv[1:]])\n"
    "sys.stderr.write(json.dumps(sorted(m for m in %r if m in sys.modules)))\n"
    "sys.exit(code)\n"
)


@pytest.mark.parametrize("fmt", ["table", "csv"])
def test_query_path_imports_no_heavy_library(tmp_path: Path, fmt):
    """A cached query (the second run: store and header caches built) imports none of the heavy libraries."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "TPPO_GRAPH_CACHE": "auto"}
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-c", _PROBE % (HEAVY,), "--format", fmt],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            check=True,
        )
    assert json.loads(done.stderr.strip().splitlines()[-1]) == []
    assert "obligation" in done.stdout.splitlines()[0]


def test_uncached_query_path_imports_no_rdflib_pyshacl_or_networkx(tmp_path: Path):
    """Without any cache (PyYAML reads the headers then), still none of the RDF or analysis libraries."""
    env = {**os.environ, "TPPO_GRAPH_CACHE": "never"}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE % (HEAVY,), "--format", "csv"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=True,
    )
    assert json.loads(done.stderr.strip().splitlines()[-1]) == ["yaml"]
    assert done.stdout.startswith("obligation,provision")


def test_results_convert_to_a_dataframe(local):
    pd = pytest.importorskip("pandas")
    result = run_query("state-treaty-participation", engine=local)
    frame = result.to_dataframe()  # type: ignore[union-attr]
    assert isinstance(frame, pd.DataFrame) and list(frame.columns)[:2] == ["state", "treaty"]


def _background_store(seconds: float) -> list[Path]:
    """The stores published in the cache folder once a background build has published one and let go of its lock
    (waiting at most ``seconds``)."""
    import time

    from tppo_graph import store

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not any(p.name[:1] != "." for p in cache_dir().iterdir()):
        time.sleep(0.1)
    built = [p for p in cache_dir().iterdir() if p.name[:1] != "."]
    while built and time.monotonic() < deadline and store._is_held(cache_dir() / f".{built[0].name}.lock"):
        time.sleep(0.1)
    return built


def test_large_graph_first_query_answers_from_memory_while_the_store_builds(tmp_path, monkeypatch):

    from tppo_graph import store

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("TPPO_GRAPH_CACHE", "auto")
    monkeypatch.setattr(store, "SYNC_BUILD_MAX_BYTES", 0)  # treat the bundled graph as large
    first = open_store()
    assert len(first) > 0
    built = _background_store(60)
    assert len(built) == 1, "the detached process did not build the store"
    assert len(open_store()) == len(first)  # now read from the store the background process built


def test_the_cli_s_background_build_waits_for_the_cli_to_end(tmp_path, monkeypatch):
    """A CLI process answers its first query of a large graph from memory; the store's build starts once it ends."""

    from tppo_graph import store

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("TPPO_GRAPH_CACHE", "auto")
    script = """
import sys, time
from tppo_graph import store
store.SYNC_BUILD_MAX_BYTES = 0  # treat the bundled graph as large
store.BUILD_AFTER_EXIT = True  # as the CLI sets it
assert len(store.open_store()) > 0
time.sleep(3)  # the builder is waiting for this process
sys.exit(3 if [p for p in store.cache_dir().iterdir() if p.name[:1] != "."] else 0)
"""
    done = subprocess.run([sys.executable, "-c", script], timeout=120, check=False)
    assert done.returncode == 0, "the store was built while the process that answered from memory still ran"
    built = _background_store(90)
    assert len(built) == 1, "no store was built after the process ended"
    assert not store._is_held(cache_dir() / f".{built[0].name}.lock")
