"""`query --endpoint` against Comunica's SPARQL endpoint (a second, independent server, on npm) for every saved query.

Comunica answers in its own JSON unless asked for ``application/sparql-results+json`` by name: this is what proves
that the remote engine's content negotiation is the standard one. The server runs on 127.0.0.1 over the exported
graph; its npm package is installed by ``.ci/run`` (or here, on first use, into ``tests/comunica``). The test is
skipped only where node is not installed.

One difference is Comunica's own (4.5), seen against pyoxigraph, rdflib and Jena alike, and allowed for here
and nowhere else: ORDER BY with several keys orders rows by the first key, but rows tied on it come in no defined
order (test_comunica_orders_ties_by_the_later_keys shows it on four triples, strict xfail). The rows themselves
must be equal, with GROUP_CONCAT lists compared as sets (their order is engine-defined in SPARQL 1.1).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from tppo_graph.catalogue import get_query, list_queries
from tppo_graph.cli import main
from tppo_graph.export import export_graph
from tppo_graph.results import AskResult, QueryResult, SelectResult
from tppo_graph.server import free_port, wait_until_ready

from .test_queries import example_params, normalised, order_keys

pytestmark = pytest.mark.server

HERE = Path(__file__).resolve().parent / "comunica"
BINARY = HERE / "node_modules" / ".bin" / "comunica-sparql-file-http"


def _comunica() -> Path:
    if shutil.which("node") is None:
        pytest.skip("node is not installed: Comunica cannot run here")
    if not BINARY.exists():
        npm = shutil.which("npm")
        assert npm is not None, "node is installed but npm is not: cannot install Comunica"
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=HERE,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0 and BINARY.exists(), f"npm could not install Comunica: {done.stderr[-1000:]}"
    return BINARY


@pytest.fixture(scope="module")
def comunica(tmp_path_factory) -> Iterator[str]:
    """Comunica's endpoint on 127.0.0.1 over the bundled graph exported as N-Triples; its query URL."""
    binary = _comunica()
    graph = tmp_path_factory.mktemp("comunica") / "graph.nt"
    export_graph("nt", graph, entailed=True)  # what the embedded engine answers from
    port = free_port()
    env = {**os.environ, "NODE_OPTIONS": f"--require {HERE / 'loopback.cjs'}"}
    process = subprocess.Popen(
        [str(binary), str(graph), "-p", str(port), "-t", "120"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        start_new_session=True,  # its cluster worker is stopped with it
    )
    endpoint = f"http://127.0.0.1:{port}/sparql"
    try:
        wait_until_ready(endpoint, process, timeout=120)
        yield endpoint
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=30)


def _parsed(stdout: bytes, ordered: bool) -> QueryResult:
    parsed = ox.parse_query_results(stdout, format=ox.QueryResultsFormat.JSON)
    if isinstance(parsed, ox.QueryBoolean):
        return AskResult(bool(parsed))
    variables = [v.value for v in parsed.variables]
    return SelectResult(variables, [{v: s[v] for v in variables} for s in parsed], ordered=ordered)


#: saved queries Comunica 4.5 does not answer within minutes on the bundled graph (the headline: over 300 s, against
#: 0.05 s on pyoxigraph; qc-reference-entries: over 150 s, its page-range self-join), measured with
#: comunica-sparql-file over the exported graph. Not a wrong answer, so not an xfail: each would hold a core of the
#: machine for the server's whole worker timeout; try them again with a newer Comunica (5.x needs node 22).
COMUNICA_TOO_SLOW = {
    "palermo-obligations-without-bilateral-mechanism",
    "qc-reference-entries",
}


#: saved queries on which Comunica 4.5's engine itself fails on most runs, not all: its worker dies with
#: "TypeError: Cannot read properties of undefined (reading 'get')" in its hash join, and the answer is cut off
#: mid-stream (the client's one-line error). Reproduced with comunica-sparql-file over the exported graph by
#: SELECT * { ?item tppo:addresses ?o OPTIONAL { ?item tppo:verificationStatus ?s FILTER NOT EXISTS { ?n skos:broader
#: ?s } } } (4 crashes in 4 runs); naming the blank node does not avoid it. Not a strict xfail, since a run may pass;
#: skipped, because each crash restarts the worker and fails the queries after it.
COMUNICA_CRASHES = {
    "iom-legal-basis-by-state",
    "obstacles-hindrances-and-recommendations",
    # answered in full 3 times of 3 on a fresh Comunica by hand, but cut off mid-stream twice running (asked again
    # after the restart) in the suite, after the queries before it: the same dying worker, not yet reduced
    "qc-weak-sources",
}


def _cases() -> list[object]:
    slow = "Comunica 4.5 gives no answer within minutes (see COMUNICA_TOO_SLOW)"
    crash = (
        "Comunica 4.5's engine crashes on this query on most runs (TypeError in its hash join; see COMUNICA_CRASHES)"
    )
    return [
        pytest.param(q.name, marks=pytest.mark.skip(reason=slow))
        if q.name in COMUNICA_TOO_SLOW
        else pytest.param(q.name, marks=pytest.mark.skip(reason=crash))
        if q.name in COMUNICA_CRASHES
        else q.name
        for q in list_queries()
    ]


@pytest.mark.parametrize("name", _cases())
def test_query_endpoint_on_comunica_answers_like_the_embedded_engine(name, comunica, runner):
    wait_until_ready(comunica, None, timeout=60)  # Comunica restarts a crashed worker; wait for it
    query = get_query(name)
    args = ["query", name, "--format", "json"] + [
        a for k, v in example_params(query).items() for a in ("-p", f"{k}={v}")
    ]
    remote = runner.invoke(main, [*args, "--endpoint", comunica, "--timeout", "90"])  # a loaded machine
    if remote.exit_code != 0 and "is not a SPARQL result" in remote.output:
        # an answer cut off mid-stream is Comunica's worker dying (see COMUNICA_CRASHES), seen intermittently on
        # queries that pass on every run by hand: once more after its restart; a second failure is a failure
        wait_until_ready(comunica, None, timeout=60)
        remote = runner.invoke(main, [*args, "--endpoint", comunica, "--timeout", "90"])
    assert remote.exit_code == 0, remote.output
    local = runner.invoke(main, args)
    assert local.exit_code == 0, local.output
    got, expected = _parsed(remote.stdout_bytes, query.ordered), _parsed(local.stdout_bytes, query.ordered)
    if isinstance(expected, AskResult):
        assert isinstance(got, AskResult) and got.boolean == expected.boolean
        return
    assert isinstance(got, SelectResult) and got.variables == expected.variables
    assert normalised(got, query.body)[1] == normalised(expected, query.body)[1]
    keys = order_keys(query.body)
    if query.ordered and keys:  # the first key only: Comunica leaves ties unordered (see the strict xfail below)
        assert [str(r.get(keys[0])) for r in got] == [str(r.get(keys[0])) for r in expected]


@pytest.mark.xfail(
    strict=True,
    reason="Comunica 4.5 bug: ORDER BY ?s ?o over <s> <p> <o-8-4>, <o-8-3>, <o-8-2>, <o-8-1> (in that file order) "
    "gives o-8-1, o-8-2, o-8-4, o-8-3; its SortIterator sorts once per key, last key first, by binary insertion "
    "that puts a tie next to whichever equal row it meets, so a pass is not stable and undoes the later keys",
)
def test_comunica_orders_ties_by_the_later_keys(tmp_path):
    graph = tmp_path / "ties.nt"
    graph.write_text("".join(f"<http://x/s> <http://x/p> <http://x/o-8-{i}> .\n" for i in (4, 3, 2, 1)))
    done = subprocess.run(
        [str(_comunica().parent / "comunica-sparql-file"), str(graph), "SELECT ?s ?o { ?s ?p ?o } ORDER BY ?s ?o"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert [row["o"] for row in json.loads(done.stdout)] == [f"http://x/o-8-{i}" for i in (1, 2, 3, 4)]


def test_table_output_with_labels_from_comunica(comunica, runner):
    wait_until_ready(comunica, None, timeout=120)
    result = runner.invoke(main, ["query", "mechanisms-between-states", "--endpoint", comunica])
    assert result.exit_code == 0, result.output
    assert "Polri-Cambodian Ministry of Interior" in result.stdout and "(11 rows)" in result.stdout
