"""The benchmark harness and the scale generator, at the smallest size (the full run is not for CI)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tppo_graph.validate import validate

from .conftest import ROOT

BENCH = ROOT / "benchmarks"


def test_generator_is_deterministic_and_conforms_to_the_shapes(tmp_path: Path):
    first, second = tmp_path / "a.nt", tmp_path / "b.nt"
    for out in (first, second):
        subprocess.run([sys.executable, str(BENCH / "generate.py"), "--total", "20000", "-o", str(out)], check=True)
    assert first.read_bytes() == second.read_bytes()
    report = validate(["bundled", first])
    assert report.conforms, [r for r in report.results if r.severity == "Violation"][:3]
    assert report.triples > 19000


def test_harness_smoke_run_writes_its_table_and_plot(tmp_path: Path):
    subprocess.run([sys.executable, str(BENCH / "run.py"), "--smoke", "--out", str(tmp_path)], check=True)
    table = (tmp_path / "benchmarks.md").read_text(encoding="utf-8")
    from tppo_graph.graph import load_store

    assert f"| 10k | {len(load_store(entailed=False)):,} |" in table  # the bundled graph's asserted size
    assert "query palermo-obligations-without-bilateral-mechanism" in table
    assert "bare pyoxigraph" in table
    assert (tmp_path / "benchmarks.json").exists()
    queries = (tmp_path / "queries.md").read_text(encoding="utf-8")
    # one row per saved query: the P5 table covers the whole catalogue
    from tppo_graph.queries import list_queries

    assert all(f"| {q.name} |" in queries for q in list_queries())
