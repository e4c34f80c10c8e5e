"""Content negotiation of the remote engine against servers that speak only one result format each.

A small server on 127.0.0.1 answers only if the request's Accept header offers its one media type (else 406, as a
strict server does), with a body written by pyoxigraph's own serializer for that W3C format. Oxigraph, Comunica
and the Jena by-hand check cover real servers; this covers the fallbacks (XML, TSV, CSV) none of them needs.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pyoxigraph as ox
import pytest

from tppo_graph.engines import RemoteEngine
from tppo_graph.errors import StoreError
from tppo_graph.results import AskResult, GraphResult, SelectResult

FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    "text/csv": ox.QueryResultsFormat.CSV,
}
DATA = """<urn:a> <urn:p> "één"@nl .
<urn:a> <urn:q> "2"^^<http://www.w3.org/2001/XMLSchema#integer> .
<urn:b> <urn:p> _:x .
"""
SELECT = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p"


@pytest.fixture(scope="module")
def store() -> ox.Store:
    s = ox.Store()
    s.load(DATA.encode(), format=ox.RdfFormat.N_TRIPLES)
    return s


@pytest.fixture(scope="module")
def server(store: ox.Store) -> Iterator[dict[str, str]]:
    """A server speaking only ``state["type"]``; ``state["url"]`` is its endpoint, ``state["accept"]`` what it saw."""
    state: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            from urllib.parse import parse_qs, urlparse

            state["accept"] = self.headers.get("Accept", "")
            query = parse_qs(urlparse(self.path).query)["query"][0]
            media = state["type"]
            if media not in state["accept"]:
                self.send_response(406)
                self.end_headers()
                return
            answer = store.query(query)
            if isinstance(answer, ox.QueryTriples):
                body = answer.serialize(format=ox.RdfFormat.from_media_type(media)) or b""
            else:
                body = answer.serialize(format=FORMATS[media]) or b""
            self.send_response(200)
            self.send_header("Content-Type", f"{media}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    state["url"] = f"http://127.0.0.1:{httpd.server_address[1]}/sparql"
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.parametrize("media", list(FORMATS))
def test_every_w3c_result_format_is_accepted_and_read(server, media):
    server["type"] = media
    result = RemoteEngine(server["url"]).query(SELECT)
    assert server["accept"].startswith("application/sparql-results+json,")  # JSON first, the rest as fallbacks
    assert isinstance(result, SelectResult) and result.variables == ("s", "p", "o")
    values = [(r["s"].value, r["p"].value) for r in result]
    assert values == [("urn:a", "urn:p"), ("urn:a", "urn:q"), ("urn:b", "urn:p")]
    literal = result.rows[0]["o"]
    assert isinstance(literal, ox.Literal) and literal.value == "één"
    if media != "text/csv":  # CSV is lossy by definition: no language tags, datatypes or blank-node kinds
        assert literal.language == "nl" and isinstance(result.rows[2]["o"], ox.BlankNode)
        assert result.rows[1]["o"] == ox.Literal("2", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))


@pytest.mark.parametrize("media", ["application/sparql-results+json", "application/sparql-results+xml"])
def test_ask_results(server, media):
    server["type"] = media
    result = RemoteEngine(server["url"]).query("ASK { <urn:a> ?p ?o }")
    assert isinstance(result, AskResult) and result.boolean is True


@pytest.mark.parametrize("media", ["application/n-triples", "text/turtle"])
def test_construct_results_are_graphs(server, media):
    server["type"] = media
    result = RemoteEngine(server["url"]).query("CONSTRUCT WHERE { ?s <urn:p> ?o }")
    assert isinstance(result, GraphResult) and len(result) == 2


def test_a_server_that_speaks_none_of_them_is_a_one_line_error(server):
    server["type"] = "application/x-unknown"
    with pytest.raises(StoreError, match="HTTP 406") as info:
        RemoteEngine(server["url"]).query(SELECT)
    assert "\n" not in str(info.value)
