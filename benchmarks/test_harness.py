"""The benchmark harness and the scale generator, at the smallest size: `pytest benchmarks/` (CI runs it after
the unit suite; the full harness run is not for CI).

Kept out of the unit suite (tests/): it runs the harness's whole pipeline and takes about ten seconds.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tppo_graph.catalogue import list_queries
from tppo_graph.parsing import load_store
from tppo_graph.validation import validate_graph

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"


def test_generator_is_deterministic_and_conforms_to_the_shapes(tmp_path: Path):
    first, second = tmp_path / "a.nt", tmp_path / "b.nt"
    for out in (first, second):
        subprocess.run([sys.executable, str(BENCH / "generate.py"), "--total", "20000", "-o", str(out)], check=True)
    assert first.read_bytes() == second.read_bytes()
    report = validate_graph(["bundled", first])
    assert report.conforms, [r for r in report.results if r.severity == "Violation"][:3]
    assert report.triples > 19000


def test_harness_smoke_run_writes_its_table_and_plot(tmp_path: Path):
    committed = {p.name: p.read_bytes() for p in RESULTS.iterdir()} if RESULTS.is_dir() else {}
    subprocess.run([sys.executable, str(BENCH / "run.py"), "--smoke", "--out", str(tmp_path)], check=True)
    table = (tmp_path / "benchmarks.md").read_text(encoding="utf-8")
    figures = json.loads((tmp_path / "benchmarks.json").read_text(encoding="utf-8"))
    assert figures, "the smoke run measured nothing"
    triples = len(load_store(entailed=False))  # the bundled graph's asserted size, as the harness must report it
    assert f"| 10k | {triples:,} |" in table, table[:500]
    assert "query palermo-obligations-without-bilateral-mechanism" in table and "bare pyoxigraph" in table
    queries = (tmp_path / "queries.md").read_text(encoding="utf-8")
    assert all(f"| {q.name} |" in queries for q in list_queries())  # the P5 table covers the whole catalogue
    after = {p.name: p.read_bytes() for p in RESULTS.iterdir()} if RESULTS.is_dir() else {}
    assert after == committed, "a smoke run changed the committed results in benchmarks/results"


def test_smoke_run_without_out_leaves_the_committed_results_alone(tmp_path: Path):
    committed = {p.name: p.read_bytes() for p in RESULTS.iterdir()}
    done = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--smoke"], check=True, capture_output=True, text=True, cwd=tmp_path
    )
    assert {p.name: p.read_bytes() for p in RESULTS.iterdir()} == committed, done.stderr[-500:]
