"""Read-only means read-only everywhere: no update form reaches any store, SERVICE is refused on the local
engines, and remote queries are sent by the SPARQL 1.1 Protocol's query operation to the query URL only."""

from __future__ import annotations

import socket
import tempfile
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from tppo_graph.cli import main
from tppo_graph.errors import QueryError
from tppo_graph.queries import sparql
from tppo_graph.server import free_port
from tppo_graph.transport import Transport

from .proxy import Proxy
from .stores import OxigraphServer

UPDATES = [
    "CLEAR ALL",
    "clear all",
    "ClEaR DeFaUlT",
    "# only a comment first\nCLEAR ALL",
    "PREFIX x: <urn:x#>\nINSERT DATA { x:a x:b x:c }",
    "BASE <urn:base/>\nPREFIX : <urn:x#>\n\n  insert data { :a :b :c }",
    "DROP SILENT GRAPH <urn:g>",
    "LOAD <http://127.0.0.1:9/data.ttl>",
    "DELETE WHERE { ?s ?p ?o }",
    "WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?s ?p ?o } ; CLEAR ALL",
    "CLEAR ALL ; SELECT * WHERE { ?s ?p ?o }",
    "CREATE GRAPH <urn:g>",
    "COPY DEFAULT TO <urn:g>",
    "MOVE DEFAULT TO <urn:g>",
    "ADD DEFAULT TO <urn:g>",
]


@pytest.fixture(scope="module")
def store_with_data() -> Iterator[OxigraphServer]:
    with tempfile.TemporaryDirectory(prefix="tppo-test-oxigraph-") as location:
        server = OxigraphServer(Path(location), free_port())
        server.start()
        try:
            Transport().update(server.base + "/update", "INSERT DATA { <urn:a> <urn:b> <urn:c> }", what="setup")
            yield server
        finally:
            server.stop()


@pytest.mark.parametrize("text", UPDATES)
def test_updates_are_refused_locally(text):
    with pytest.raises(QueryError, match=r"not allowed|SPARQL syntax"):
        sparql(text)


@pytest.mark.server
@pytest.mark.parametrize("text", UPDATES)
def test_updates_never_reach_a_remote_store(store_with_data, runner, text):
    with Proxy(store_with_data.base) as proxy:
        result = runner.invoke(main, ["sparql", text, "--endpoint", proxy.url + "/query"])
        assert proxy.faults.requests == [], "something was sent"
        # the Python API below the command line refuses it too, before sending
        with pytest.raises(QueryError):
            Transport().query(proxy.url + "/query", text, what="query")
        assert proxy.faults.requests == []
    assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.output
    assert store_with_data.count() == 1  # the store still holds its triple


@pytest.mark.server
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_remote_queries_use_the_query_operation_on_the_query_url(store_with_data, method):
    padding = "" if method == "GET" else "# " + "x" * 3000 + "\n"
    seen: list[tuple[str, str, bytes]] = []

    with Proxy(store_with_data.base) as proxy:
        Transport().query(proxy.url + "/query", padding + "ASK { ?s ?p ?o }", what="query")
        seen = [tuple(r.split(" ", 1)) for r in proxy.faults.requests]  # type: ignore[misc]
    assert len(seen) == 1
    verb, path = seen[0]
    assert verb == method and path.startswith("/query")
    if method == "GET":
        assert "query" in urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)


class Listener:
    """A TCP socket on 127.0.0.1 that records every connection made to it (and answers none)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.connections = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/sparql"

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    listening = Listener()
    yield listening
    listening.close()


SERVICE_FORMS = [
    "SELECT * WHERE { SERVICE <{url}> { ?s ?p ?o } }",
    "select * where { service silent <{url}> { ?s ?p ?o } }",
    "ASK { SERVICE <{url}> { ?s ?p ?o } }",
    "SELECT * WHERE { BIND(<{url}> AS ?u) SERVICE ?u { ?s ?p ?o } }",
    "# SERVICE in a comment\nSELECT * WHERE { ?s ?p ?o FILTER EXISTS { SERVICE <{url}> { ?s ?p ?o } } }",
]


@pytest.mark.parametrize("form", SERVICE_FORMS)
def test_service_is_refused_on_the_local_engine_without_a_connection(listener, runner, form):
    text = form.replace("{url}", listener.url)
    result = runner.invoke(main, ["sparql", text])
    assert result.exit_code == 2, result.output
    assert "SERVICE is not allowed" in result.stderr and result.stderr.count("\n") == 1
    assert listener.connections == 0


def test_service_in_strings_iris_and_names_is_not_a_service_clause(runner):
    text = (
        "PREFIX service: <urn:service#>\n# SERVICE <http://127.0.0.1:9/>\n"
        'SELECT ?service WHERE { BIND("SERVICE <http://127.0.0.1:9/>" AS ?service) '
        "OPTIONAL { ?service service:SERVICE <urn:SERVICE> } }"
    )
    result = runner.invoke(main, ["sparql", text, "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "SERVICE <http://127.0.0.1:9/>" in result.stdout


def test_an_escaped_service_keyword_is_not_read_as_one(runner, listener):
    result = runner.invoke(main, ["sparql", f"SELECT * WHERE {{ \\u0053ERVICE <{listener.url}> {{ ?s ?p ?o }} }}"])
    assert result.exit_code == 2 and listener.connections == 0


def test_allow_service_lets_the_query_out_within_the_time_limit(listener, runner):
    import time

    start = time.monotonic()
    text = f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"
    result = runner.invoke(main, ["sparql", text, "--allow-service", "--timeout", "2"])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.output
    assert time.monotonic() - start < 10
    assert listener.connections >= 1  # it was let out: the refusal above is what stops it otherwise
