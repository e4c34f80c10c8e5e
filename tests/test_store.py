"""Real SPARQL stores on 127.0.0.1 (Oxigraph, Virtuoso; Fuseki where installable: tests/stores.py): loading, remote
queries, atomic replacement, auth, faults; and the Oxigraph-only cases (timeouts, server messages, `serve`)."""

from __future__ import annotations

import subprocess
import tempfile
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tppo_graph.binding import bind_params
from tppo_graph.catalogue import get_query, list_queries
from tppo_graph.cli import main
from tppo_graph.engines import RemoteEngine
from tppo_graph.errors import StoreError
from tppo_graph.loading import load_into
from tppo_graph.results import AskResult
from tppo_graph.server import free_port, serve
from tppo_graph.transport import Credentials

from .proxy import Faults, Proxy, is_upload
from .stores import FUSEKI_SKIP, STORES, OxigraphServer, cli_auth
from .test_queries import example_params, normalised

pytestmark = pytest.mark.server

GRAPH = "https://w3id.org/tppo/graph/test"
#: where the read-only tests' shared copy of the bundled graph lives on a store whose default graph is the union
LOADED = "https://w3id.org/tppo/graph/test-loaded"


@pytest.fixture(scope="module")
def loaded_server() -> Iterator[OxigraphServer]:
    """One Oxigraph server with the bundled graph in its default graph, shared by the read-only tests."""
    with tempfile.TemporaryDirectory(prefix="tppo-test-oxigraph-") as location:
        server = OxigraphServer(Path(location), free_port())
        server.start()
        try:
            load_into(server.query, replace=True)
            yield server
        finally:
            server.stop()


@dataclass
class Loaded:
    """A store holding the bundled graph, and the graph to query (None: the default graph)."""

    server: object
    graph: str | None

    def engine(self, timeout: float = 60.0) -> RemoteEngine:
        return RemoteEngine(self.server.query, graph=self.graph, timeout=timeout)  # type: ignore[attr-defined]

    def graph_args(self) -> list[str]:
        return ["--graph", self.graph] if self.graph else []


@pytest.fixture(scope="module", params=STORES)
def loaded(request) -> Iterator[Loaded]:
    """Each store with the bundled graph loaded, shared by its read-only tests (Virtuoso: in a named graph, queried
    as the default graph, since its own default graph is the union of all its graphs, system graphs included)."""
    if request.param == "fuseki":
        pytest.skip(FUSEKI_SKIP)
    if request.param == "oxigraph":
        yield Loaded(request.getfixturevalue("loaded_server"), None)
        return
    server = request.getfixturevalue("virtuoso_server")
    server.kept.add(LOADED)
    load_into(server.query, graph=LOADED, replace=True, credentials=server.credentials)
    try:
        yield Loaded(server, LOADED)
    finally:
        server.kept.discard(LOADED)


#: the atomic routes of a load: one transactional request, staging + switch
ATOMIC_ROUTES = ["put", "staging"]
#: the route `auto` (the default) takes on each store: the fastest that is atomic there (see VIRTUOSO_PUT)
AUTO_ROUTE = {"oxigraph": "put", "virtuoso": "staging"}
VIRTUOSO_PUT = (
    "Virtuoso 7.2.5 runs a Graph Store PUT as no transaction: a body malformed half-way leaves the graph emptied "
    "and holding the triples parsed before the error (9,783 of 19,070); so `auto` takes staging + switch there"
)


@pytest.mark.parametrize("route", ["auto", *ATOMIC_ROUTES])
def test_load_then_count_equals_the_bundled_graph(store, bundled_store, route):
    summary = load_into(
        store.query, graph=GRAPH, replace=True, chunk_size=1500, credentials=store.credentials, route=route
    )
    assert summary.triples_sent == summary.triples_staged == summary.triples_in_target == len(bundled_store)
    route = AUTO_ROUTE[store.name] if route == "auto" else route
    assert summary.route == route
    assert summary.atomic == (route != "put" or store.name == "oxigraph")  # see VIRTUOSO_PUT
    assert summary.chunks == 1 if route == "put" else summary.chunks > 1
    assert store.count(GRAPH) == len(bundled_store)
    assert store.graphs() == {GRAPH}  # the staging graph is gone


_HANGS = "Virtuoso 7.2.5 gives no answer (none within 300 s, measured): its planner on OPTIONAL sub-selects with "
_OPTIONAL_FILTER = (
    "Virtuoso 7.2.5 evaluates a FILTER inside OPTIONAL without the variables bound outside it (the VALUES-bound "
    "?lang), so the language-filtered literal comes back unbound; SPARQL's LeftJoin filters the joined solution"
)
_IF_IRI = 'Virtuoso 7.2.5 returns the IRIs that IF(...) chooses as plain string literals ("https://...")'
#: saved queries Virtuoso answers wrongly (SPARQL 1.1 says otherwise; the embedded engine, Oxigraph and Jena agree)
VIRTUOSO_WRONG = {
    "palermo-coverage-matrix": _HANGS + "GROUP BY joined to the VALUES-bound states",
    "palermo-obligations-without-bilateral-mechanism": _HANGS + "aggregates and FILTER NOT EXISTS",
    "paper-claims-contradicted-or-unverified": _OPTIONAL_FILTER,
    "paper-in-text-citations": _OPTIONAL_FILTER,
    "qc-citation-assessed": _OPTIONAL_FILTER,
    "qc-citation-author-count": _IF_IRI,
    "qc-citation-name": _IF_IRI,
    "qc-citation-venue": _IF_IRI,
    "trafficking-definition-differences": "Virtuoso 7.2.5 returns BIND(EXISTS { ... }) as xsd:integer 1 and 0, "
    "not xsd:boolean true and false",
}

#: saved queries Virtuoso answered wrongly on some full-suite runs only; not strict, since most runs agree
VIRTUOSO_INTERMITTENT = {
    "iom-activities-by-function": "on 2 of 3 full-suite runs on 2026-12-01 (CI among them) Virtuoso 7.2.5 left out the "
    "rows of one activity's partners on the first query after the load; never alone: 80 of 80 runs of the query on "
    "a fresh Virtuoso right after the same load gave all 64 rows, idle and with both cores busy",
}


@pytest.mark.parametrize("name", [q.name for q in list_queries()])
def test_saved_queries_agree_with_the_embedded_engine(name, loaded, local, request):
    if loaded.server.name == "virtuoso" and name in VIRTUOSO_WRONG:
        request.applymarker(pytest.mark.xfail(strict=True, reason=VIRTUOSO_WRONG[name]))
    if loaded.server.name == "virtuoso" and name in VIRTUOSO_INTERMITTENT:
        request.applymarker(pytest.mark.xfail(strict=False, reason=VIRTUOSO_INTERMITTENT[name]))
    query = get_query(name)
    bindings = bind_params(query, example_params(query), local)
    embedded = local.query(query.body, bindings)
    hangs = loaded.server.name == "virtuoso" and VIRTUOSO_WRONG.get(name, "").startswith(_HANGS)
    try:
        # a hang is a failure, soon; a known one (measured: none within 300 s) is shown in 3 s
        remote = loaded.engine(timeout=3 if hangs else 20).query(query.body, bindings)
    finally:
        if hangs:
            # the store goes on with a query it cannot plan, holding locks that later tests wait for: restarted
            loaded.server.stop()
            loaded.server.start()
    assert getattr(remote, "variables", None) == getattr(embedded, "variables", None)
    assert normalised(remote, query.body) == normalised(embedded, query.body)


def test_loaded_store_holds_the_entailed_closure(loaded, runner):
    """A newcomer's first query works through --endpoint after load: the closure travels with the graph (#10)."""
    result = runner.invoke(
        main,
        [
            "sparql",
            "SELECT (COUNT(*) AS ?n) WHERE { ?x a tppo:LegalInstrument }",
            "--endpoint",
            loaded.server.query,
            *loaded.graph_args(),
            "--format",
            "csv",
        ],
    )
    assert result.exit_code == 0, result.output
    assert int(result.stdout.splitlines()[1]) >= 40
    groups = loaded.engine().select("SELECT (COUNT(*) AS ?n) WHERE { ?x tppo:verificationStatus tpv:unverified }")
    assert int(groups.rows[0]["n"].value) > 0


def test_named_graph_as_default_graph_of_a_query(store):
    load_into(store.query, graph=GRAPH, replace=True, credentials=store.credentials)
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s a tppo:State }"
    plain = int(RemoteEngine(store.query).select(count).rows[0]["n"].value)
    scoped = int(RemoteEngine(store.query, graph=GRAPH).select(count).rows[0]["n"].value)
    assert scoped > 0
    # the default graph: its own on Oxigraph (empty here), the union of all graphs on Virtuoso (others too)
    assert plain >= scoped if store.union_default else plain == 0


def test_append_adds_and_replace_replaces(store, tmp_path, bundled_store):
    from tppo_graph.parsing import load_store

    extra = tmp_path / "extra.ttl"
    extra.write_text("<urn:a> <urn:b> <urn:c> .\n", encoding="utf-8")
    ontology_and_extra = len(load_store([extra]))  # a load always carries the ontology
    load_into(store.query, data=[extra], graph=GRAPH, credentials=store.credentials)
    summary = load_into(store.query, graph=GRAPH, credentials=store.credentials)  # add the bundled graph next to it
    assert summary.triples_in_target == store.count(GRAPH) == len(bundled_store) + 1
    load_into(store.query, data=[extra], graph=GRAPH, replace=True, credentials=store.credentials)
    assert store.count(GRAPH) == ontology_and_extra
    assert store.graphs() == {GRAPH}


def _graph_state(server) -> tuple[int, int]:
    states = RemoteEngine(server.query, graph=GRAPH).select("SELECT (COUNT(*) AS ?n) WHERE { ?s a tppo:State }")
    return server.count(GRAPH), int(states.rows[0]["n"].value)


def _path(server) -> str:
    return server.query.split(str(server.base), 1)[1]


@pytest.mark.parametrize("route", ATOMIC_ROUTES)
@pytest.mark.parametrize("fault", ["fail", "corrupt"])
def test_failed_load_leaves_the_live_graph_unchanged(store, fault, route, request):
    """An upload refused (HTTP 500) or malformed half-way (the store's parser fails on it): nothing changes. On
    the single request, the corrupt case is the store's own transaction undoing what it had parsed."""
    if store.name == "virtuoso" and route == "put" and fault == "corrupt":
        request.applymarker(pytest.mark.xfail(strict=True, reason=VIRTUOSO_PUT))
    load_into(store.query, graph=GRAPH, replace=True, credentials=store.credentials)
    before = _graph_state(store)
    nth = 1 if route == "put" else 3
    faults = Faults(fail_upload=nth) if fault == "fail" else Faults(corrupt_upload=nth - 1 or 1)
    with Proxy(store.base, faults) as proxy, pytest.raises(StoreError) as info:
        load_into(
            proxy.url + _path(store),
            graph=GRAPH,
            replace=True,
            chunk_size=2000,
            credentials=store.credentials,
            route=route,
        )
    says = "uploading the graph" if route == "put" else "uploading chunk"
    assert says in str(info.value) and "\n" not in str(info.value)
    if route == "put":  # what the error says of the target is what the store does
        promise = "was not changed" if store.name == "oxigraph" else "may be partly written"
        assert promise in str(info.value), str(info.value)
    assert _graph_state(store) == before  # counted, and asked by a query
    assert store.graphs() == {GRAPH}  # the staging graph was dropped


@pytest.mark.parametrize("route", ATOMIC_ROUTES)
def test_server_stopping_mid_load_leaves_the_live_graph_unchanged(store, route):
    load_into(store.query, graph=GRAPH, replace=True, credentials=store.credentials)
    before = _graph_state(store)
    faults = Faults(hold="upload:1" if route == "put" else None, hold_seconds=1.0)
    # the single request: the store stops while the proxy holds it; the chunks: after the first one
    stopper = threading.Thread(target=lambda: faults.holding.wait(60) and store.stop())

    def stop_after_first_chunk(sent: int, _total: int) -> None:
        store.stop()

    with Proxy(store.base, faults) as proxy, pytest.raises(StoreError, match="cannot reach"):
        if route == "put":
            stopper.start()
        load_into(
            proxy.url + _path(store),
            graph=GRAPH,
            replace=True,
            chunk_size=2000,
            progress=None if route == "put" else stop_after_first_chunk,
            credentials=store.credentials,
            route=route,
        )
    if route == "put":
        stopper.join()
    store.start()  # same store on disk
    assert _graph_state(store) == before


@contextmanager
def guarded(store) -> Iterator[tuple[Proxy, Credentials]]:
    """A proxy in front of the store and the credentials it takes: the store's own (Virtuoso's digest-protected
    endpoints), or for a store without any (Oxigraph) basic-auth ones that the proxy requires."""
    if store.credentials is not None:
        with Proxy(store.base) as proxy:
            yield proxy, store.credentials
    else:
        with Proxy(store.base, Faults(credentials=("tppo", "s3cret"))) as proxy:
            yield proxy, Credentials("tppo", "s3cret")


def test_wrong_credentials_are_refused_and_nothing_is_written(store):
    with guarded(store) as (proxy, right):
        with pytest.raises(StoreError, match=r"HTTP 401.*check the user and password") as info:
            load_into(proxy.url + _path(store), graph=GRAPH, credentials=Credentials(right.user, "wrong-password"))
        assert "wrong-password" not in str(info.value) and "\n" not in str(info.value)
        assert store.graphs() == set()
        assert not any(is_upload(*r.split(" ", 1)) for r in proxy.faults.requests)
        summary = load_into(proxy.url + _path(store), graph=GRAPH, credentials=right)
        assert summary.triples_in_target == store.count(GRAPH) > 0


def test_cli_credentials_never_appear_in_output(store, runner, monkeypatch):
    monkeypatch.setenv("TPPO_TEST_PASSWORD", "hunter2-secret")
    with guarded(store) as (proxy, right):
        result = runner.invoke(
            main,
            [
                "load",
                "--endpoint",
                proxy.url + _path(store),
                "--graph",
                GRAPH,
                "--user",
                right.user,
                "--password-env",
                "TPPO_TEST_PASSWORD",
            ],
        )
    assert result.exit_code == 2
    assert "hunter2-secret" not in result.output + result.stderr
    assert "HTTP 401" in result.stderr and result.stderr.count("\n") == 1
    assert store.graphs() == set()


def test_cli_load_and_query_against_the_server(store, runner, monkeypatch):
    auth = cli_auth(store, monkeypatch)
    loaded = runner.invoke(main, ["load", "--endpoint", store.query, "--graph", GRAPH, "--replace", *auth])
    assert loaded.exit_code == 0, loaded.output
    assert "Counted in the store" in loaded.output
    name = "palermo-implementation-by-state"  # one every store answers right (see VIRTUOSO_WRONG)
    local = runner.invoke(main, ["query", name, "--format", "csv"])
    remote = runner.invoke(
        main,
        [
            "query",
            name,
            "--format",
            "csv",
            "--endpoint",
            store.query,
            "--graph",
            GRAPH,
        ],
    )
    assert remote.exit_code == 0, remote.output
    assert sorted(remote.output.splitlines()) == sorted(local.output.splitlines())


def test_no_staging_writes_straight_into_the_target(store, bundled_store, runner, monkeypatch):
    load_into(store.query, graph=GRAPH, replace=True, credentials=store.credentials)
    result = runner.invoke(
        main,
        [
            "load",
            "--endpoint",
            store.query,
            "--graph",
            GRAPH,
            "--replace",
            "--no-staging",
            "--chunk-size",
            "3000",
            *cli_auth(store, monkeypatch),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "not atomic" in result.output
    assert store.count(GRAPH) == len(bundled_store)
    assert store.graphs() == {GRAPH}


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


@pytest.mark.parametrize(("pattern", "expected"), [("?s a tppo:State", True), ("?s a tppo:NoSuchClass", False)])
def test_ask_answers_a_boolean_on_every_store(loaded, pattern, expected):
    """Virtuoso answers an ASK in JSON as a SELECT of one variable (__ASK_RETVAL): read as the boolean it is."""
    result = loaded.engine().query(f"ASK {{ {pattern} }}")
    assert isinstance(result, AskResult) and result.boolean is expected


@pytest.mark.parametrize(
    ("option", "says"),
    [
        ("--store-endpoint", "uploading the graph: HTTP|uploading chunk 1: HTTP"),  # auto: put on Oxigraph
        ("--update-endpoint", "checking the update endpoint: HTTP"),
    ],
)
def test_a_layout_the_derivation_does_not_fit_is_one_line_and_writes_nothing(store, runner, monkeypatch, option, says):
    """What a user of another store sees when the derived URLs are wrong: the request and its HTTP error, nothing
    written (the README's "Load into your store")."""
    args = ["load", "--endpoint", store.query, "--graph", GRAPH, option, store.base + "/nothing"]
    result = runner.invoke(main, [*args, *cli_auth(store, monkeypatch)])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.output
    assert any(choice in result.stderr for choice in says.split("|")) and "Traceback" not in result.output
    assert store.graphs() == set()
