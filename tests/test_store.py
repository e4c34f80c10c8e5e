"""A real Oxigraph server on 127.0.0.1: loading, remote queries, atomic replacement, auth, faults, `serve`."""

from __future__ import annotations

import subprocess
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tppo_graph.binding import bind_params
from tppo_graph.catalogue import get_query, list_queries
from tppo_graph.cli import main
from tppo_graph.engines import RemoteEngine
from tppo_graph.errors import StoreError
from tppo_graph.loading import load_into
from tppo_graph.server import free_port, serve
from tppo_graph.transport import Credentials

from .proxy import Faults, Proxy
from .stores import OxigraphServer
from .test_queries import example_params, normalised

pytestmark = pytest.mark.server

GRAPH = "https://w3id.org/tppo/graph/test"


@pytest.fixture(scope="module")
def loaded_server() -> Iterator[OxigraphServer]:
    """One server with the bundled graph in its default graph, shared by the read-only tests."""
    with tempfile.TemporaryDirectory(prefix="tppo-test-oxigraph-") as location:
        server = OxigraphServer(Path(location), free_port())
        server.start()
        try:
            load_into(server.query, replace=True)
            yield server
        finally:
            server.stop()


def test_load_then_count_equals_the_bundled_graph(oxigraph, bundled_store):
    summary = load_into(oxigraph.query, graph=GRAPH, replace=True, chunk_size=1500)
    assert summary.triples_sent == summary.triples_staged == summary.triples_in_target == len(bundled_store)
    assert summary.chunks > 1
    assert oxigraph.count(GRAPH) == len(bundled_store)
    assert oxigraph.graphs() == {GRAPH}  # the staging graph is gone


@pytest.mark.parametrize("name", [q.name for q in list_queries()])
def test_saved_queries_agree_with_the_embedded_engine(name, loaded_server, local):
    query = get_query(name)
    bindings = bind_params(query, example_params(query), local)
    embedded = local.query(query.body, bindings)
    remote = RemoteEngine(loaded_server.query).query(query.body, bindings)
    assert getattr(remote, "variables", None) == getattr(embedded, "variables", None)
    assert normalised(remote, query.body) == normalised(embedded, query.body)


def test_loaded_store_holds_the_entailed_closure(loaded_server, runner):
    """A newcomer's first query works through --endpoint after load: the closure travels with the graph (#10)."""
    result = runner.invoke(
        main,
        [
            "sparql",
            "SELECT (COUNT(*) AS ?n) WHERE { ?x a tppo:LegalInstrument }",
            "--endpoint",
            loaded_server.query,
            "--format",
            "csv",
        ],
    )
    assert result.exit_code == 0, result.output
    assert int(result.stdout.splitlines()[1]) >= 40
    groups = RemoteEngine(loaded_server.query).select(
        "SELECT (COUNT(*) AS ?n) WHERE { ?x tppo:verificationStatus tpv:unverified }"
    )
    assert int(groups.rows[0]["n"].value) > 0


def test_named_graph_as_default_graph_of_a_query(oxigraph):
    load_into(oxigraph.query, graph=GRAPH, replace=True)
    plain = RemoteEngine(oxigraph.query).select("SELECT (COUNT(*) AS ?n) WHERE { ?s a tppo:State }")
    scoped = RemoteEngine(oxigraph.query, graph=GRAPH).select("SELECT (COUNT(*) AS ?n) WHERE { ?s a tppo:State }")
    assert int(plain.rows[0]["n"].value) == 0 and int(scoped.rows[0]["n"].value) > 0


def test_append_adds_and_replace_replaces(oxigraph, tmp_path, bundled_store):
    from tppo_graph.parsing import load_store

    extra = tmp_path / "extra.ttl"
    extra.write_text("<urn:a> <urn:b> <urn:c> .\n", encoding="utf-8")
    ontology_and_extra = len(load_store([extra]))  # a load always carries the ontology
    load_into(oxigraph.query, data=[extra], graph=GRAPH)
    summary = load_into(oxigraph.query, graph=GRAPH)  # add the bundled graph next to it
    assert summary.triples_in_target == oxigraph.count(GRAPH) == len(bundled_store) + 1
    load_into(oxigraph.query, data=[extra], graph=GRAPH, replace=True)
    assert oxigraph.count(GRAPH) == ontology_and_extra


def _graph_state(server: OxigraphServer) -> tuple[int, int]:
    states = RemoteEngine(server.query, graph=GRAPH).select("SELECT (COUNT(*) AS ?n) WHERE { ?s a tppo:State }")
    return server.count(GRAPH), int(states.rows[0]["n"].value)


@pytest.mark.parametrize("fault", ["fail", "corrupt"])
def test_failed_load_leaves_the_live_graph_unchanged(oxigraph, fault):
    load_into(oxigraph.query, graph=GRAPH, replace=True)
    before = _graph_state(oxigraph)
    faults = Faults(fail_upload=3) if fault == "fail" else Faults(corrupt_upload=2)
    with Proxy(oxigraph.base, faults) as proxy, pytest.raises(StoreError) as info:
        load_into(f"{proxy.url}/query", graph=GRAPH, replace=True, chunk_size=2000)
    assert "uploading chunk" in str(info.value) and "\n" not in str(info.value)
    assert _graph_state(oxigraph) == before  # counted, and asked by a query
    assert oxigraph.graphs() == {GRAPH}  # the staging graph was dropped


def test_server_stopping_mid_load_leaves_the_live_graph_unchanged(oxigraph):
    load_into(oxigraph.query, graph=GRAPH, replace=True)
    before = _graph_state(oxigraph)

    def stop_after_first_chunk(sent: int, _total: int) -> None:
        oxigraph.stop()

    with pytest.raises(StoreError, match="cannot reach"):
        load_into(oxigraph.query, graph=GRAPH, replace=True, chunk_size=2000, progress=stop_after_first_chunk)
    oxigraph.start()  # same store on disk
    assert _graph_state(oxigraph) == before


def test_wrong_credentials_are_refused_and_nothing_is_written(oxigraph):
    with Proxy(oxigraph.base, Faults(credentials=("tppo", "s3cret"))) as proxy:
        with pytest.raises(StoreError, match=r"HTTP 401.*check the user and password") as info:
            load_into(f"{proxy.url}/query", graph=GRAPH, credentials=Credentials("tppo", "wrong-password"))
        assert "wrong-password" not in str(info.value)
        assert oxigraph.graphs() == set()
        assert not any(r.startswith("POST /store") for r in proxy.faults.requests)
        summary = load_into(f"{proxy.url}/query", graph=GRAPH, credentials=Credentials("tppo", "s3cret"))
        assert summary.triples_in_target == oxigraph.count(GRAPH) > 0


def test_cli_credentials_never_appear_in_output(oxigraph, runner, monkeypatch):
    monkeypatch.setenv("TPPO_TEST_PASSWORD", "hunter2-secret")
    with Proxy(oxigraph.base, Faults(credentials=("tppo", "other"))) as proxy:
        result = runner.invoke(
            main,
            ["load", "--endpoint", f"{proxy.url}/query", "--user", "tppo", "--password-env", "TPPO_TEST_PASSWORD"],
        )
    assert result.exit_code == 2
    assert "hunter2-secret" not in result.output + result.stderr
    assert "HTTP 401" in result.stderr and result.stderr.count("\n") == 1


def test_cli_load_and_query_against_the_server(oxigraph, runner):
    loaded = runner.invoke(main, ["load", "--endpoint", oxigraph.query, "--graph", GRAPH, "--replace"])
    assert loaded.exit_code == 0, loaded.output
    assert "Counted in the store" in loaded.output
    local = runner.invoke(main, ["query", "palermo-obligations-without-bilateral-mechanism", "--format", "csv"])
    remote = runner.invoke(
        main,
        [
            "query",
            "palermo-obligations-without-bilateral-mechanism",
            "--format",
            "csv",
            "--endpoint",
            oxigraph.query,
            "--graph",
            GRAPH,
        ],
    )
    assert remote.exit_code == 0, remote.output
    assert sorted(remote.output.splitlines()) == sorted(local.output.splitlines())


def test_unreachable_endpoint_is_one_line(runner):
    port = free_port()
    result = runner.invoke(main, ["query", "known-absences", "--endpoint", f"http://127.0.0.1:{port}/query"])
    assert result.exit_code == 2
    assert "cannot reach the endpoint" in result.stderr and result.stderr.count("\n") == 1


def test_timeout_is_an_error_not_an_empty_result(loaded_server, runner):
    with Proxy(loaded_server.base, Faults(delay=3.0)) as proxy:
        result = runner.invoke(
            main, ["query", "known-absences", "--endpoint", f"{proxy.url}/query", "--timeout", "1", "--format", "csv"]
        )
    assert result.exit_code == 2
    assert "timeout" in result.stderr and "not an empty result" in result.stderr
    assert result.stdout == ""


def test_server_errors_carry_the_servers_message(loaded_server, runner):
    faults = Faults(status=400, body=b"Query evaluation error:\n  no such function")
    with Proxy(loaded_server.base, faults) as proxy:
        result = runner.invoke(main, ["sparql", "SELECT * WHERE { ?s ?p ?o }", "--endpoint", proxy.url + "/query"])
    assert result.exit_code == 2
    assert "HTTP 400 Bad Request: Query evaluation error: no such function" in result.stderr
    assert result.stderr.count("\n") == 1


def test_malformed_queries_are_refused_before_anything_is_sent(loaded_server, runner):
    with Proxy(loaded_server.base) as proxy:
        result = runner.invoke(
            main, ["sparql", "SELECT * WHERE { ?s ?p ?o } GROUP BY ?nothing", "--endpoint", proxy.url + "/query"]
        )
        assert proxy.faults.requests == []
    assert result.exit_code == 2 and "SPARQL syntax error at 1:" in result.stderr


def test_long_queries_are_sent_by_post(loaded_server):
    padding = "# " + "x" * 5000 + "\n"
    result = RemoteEngine(loaded_server.query).select(padding + "SELECT (COUNT(*) AS ?n) WHERE { ?s a tppo:State }")
    assert int(result.rows[0]["n"].value) > 0


def test_serve_answers_queries_and_its_page_then_stops(bundled_store):
    with serve(port=0) as server:
        assert server.host == "127.0.0.1"
        remote = RemoteEngine(server.query_endpoint).select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        assert int(remote.rows[0]["n"].value) == len(bundled_store)
        with urllib.request.urlopen(server.query_page, timeout=10) as page:
            assert page.headers.get_content_type() == "text/html"
        with pytest.raises(StoreError):  # read-only by default
            load_into(server.query_endpoint, graph=GRAPH)
        location = server.location
    assert server.process.poll() is not None
    assert not location.exists()


def test_cli_serve_prints_the_endpoint_and_stops_on_ctrl_c(tmp_path):
    import os
    import signal
    import sys

    process = subprocess.Popen(
        [sys.executable, "-m", "tppo_graph", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "TPPO_GRAPH_CACHE": "never"},
    )
    try:
        first = process.stdout.readline()
        assert first.startswith("SPARQL endpoint: http://127.0.0.1:")
        endpoint = first.split()[2]
        rows = RemoteEngine(endpoint).select("SELECT (COUNT(*) AS ?n) WHERE { ?s a tppo:State }").rows
        assert int(rows[0]["n"].value) > 0
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)
    assert process.returncode == 0
    assert "Stopped." in process.stderr.read()
    with pytest.raises(StoreError, match="cannot reach"):
        RemoteEngine(endpoint, timeout=2).select("ASK {}")


def test_no_staging_writes_straight_into_the_target(oxigraph, bundled_store, runner):
    load_into(oxigraph.query, graph=GRAPH, replace=True)
    result = runner.invoke(
        main,
        ["load", "--endpoint", oxigraph.query, "--graph", GRAPH, "--replace", "--no-staging", "--chunk-size", "3000"],
    )
    assert result.exit_code == 0, result.output
    assert "not atomic" in result.output
    assert oxigraph.count(GRAPH) == len(bundled_store)
    assert oxigraph.graphs() == {GRAPH}


def test_stats_of_an_endpoint_equal_the_local_stats(loaded_server, runner):
    import json

    remote = runner.invoke(main, ["stats", "--format", "json", "--endpoint", loaded_server.query])
    assert remote.exit_code == 0, remote.output
    local = json.loads(runner.invoke(main, ["stats", "--format", "json"]).stdout)
    got = json.loads(remote.stdout)
    assert got["files"] is None and local["files"] > 0  # an endpoint has no files
    # the VoID figures are counted from files (they are what `export` writes), so only the local report has them;
    # the store holds the entailed closure the load ships (so its triples, classes and status groups are more),
    # while the local report describes what the files assert: the entities, labels and sources must agree
    assert got["void"] is None and local["void"] is not None
    assert got["triples"] > local["triples"]
    same = ("entities", "labels", "without_source")
    assert {k: got[k] for k in same} == {k: local[k] for k in same}


def test_a_virtuoso_of_its_own_listens_on_loopback_only_and_stops_without_leftovers(tmp_path):
    """The fixture's server: a fresh database, its two ports on 127.0.0.1, the update user; nothing left after."""
    import os

    from .stores import VIRTUOSO, VIRTUOSO_SKIP, VirtuosoServer

    if VIRTUOSO is None:
        pytest.skip(VIRTUOSO_SKIP)
    server = VirtuosoServer(tmp_path)
    server.start()
    try:
        assert server.graphs() == set() and server.count() == 0
        listening = Path("/proc/net/tcp").read_text().splitlines()[1:]
        ports = {
            int(line.split()[1].split(":")[1], 16): line.split()[1] for line in listening if line.split()[3] == "0A"
        }
        for port in (server.sql_port, server.http_port):
            assert ports[port] == f"0100007F:{port:04X}"  # 127.0.0.1 only
        pid = server.process.pid
    finally:
        server.stop()
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)  # the whole process group is gone
