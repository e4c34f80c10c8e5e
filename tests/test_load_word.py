"""Loads that keep their word: the graph IRI is a validated IRI term, blank nodes stay what the files say, and an
endpoint URL keeps its path and query string."""

from __future__ import annotations

import urllib.parse
from pathlib import Path

import pyoxigraph as ox
import pytest

from tppo_graph.chunking import GENID, chunk_triples
from tppo_graph.cli import main
from tppo_graph.engines import RemoteEngine, connect
from tppo_graph.loading import load_into

from .proxy import Proxy

pytestmark = pytest.mark.server

BAD_GRAPHS = [
    "urn:x> { ?s ?p ?o } } #",
    "",
    " ",
    "relative/graph",
    "#frag",
    "http://example.org/a b",
    "urn:x\nDROP ALL",
    'urn:x"',
    "urn:x{}",
    "<urn:x>",
]


@pytest.mark.parametrize("graph", BAD_GRAPHS)
def test_a_bad_graph_iri_is_refused_before_anything_is_sent(oxigraph, runner, graph):
    with Proxy(oxigraph.base) as proxy:
        result = runner.invoke(main, ["load", "--endpoint", proxy.url + "/query", "--graph", graph])
        queried = runner.invoke(main, ["sparql", "ASK {}", "--endpoint", proxy.url + "/query", "--graph", graph])
        assert proxy.faults.requests == []
    for run in (result, queried):
        assert run.exit_code == 2 and run.stderr.count("\n") == 1, run.output
        assert "--graph" in run.stderr and "IRI" in run.stderr and "Traceback" not in run.output
    assert oxigraph.count() == 0 and oxigraph.graphs() == set()


def _blank_files(tmp_path: Path) -> list[Path]:
    first, second = tmp_path / "one.ttl", tmp_path / "two.nt"
    first.write_text('_:b0 <urn:p> "one" .\n_:b0 <urn:q> _:b1 .\n_:b1 <urn:p> "one-b" .\n', encoding="utf-8")
    second.write_text('_:b0 <urn:p> "two" .\n_:b1 <urn:p> "two-b" .\n', encoding="utf-8")
    return [first, second]


BLANKS = "SELECT (COUNT(DISTINCT ?b) AS ?n) WHERE { ?b ?p ?o FILTER(isBlank(?b)) }"
#: the same count in a loaded store, where each blank node is its skolem IRI
SKOLEMS = f'SELECT (COUNT(DISTINCT ?b) AS ?n) WHERE {{ ?b ?p ?o FILTER(STRSTARTS(STR(?b), "{GENID}")) }}'
TYPED = "SELECT (COUNT(*) AS ?n) WHERE { ?b a ?c FILTER(isBlank(?b)) }"  # entailed types of blank nodes too
SKOLEM_TYPED = f'SELECT (COUNT(*) AS ?n) WHERE {{ ?b a ?c FILTER(STRSTARTS(STR(?b), "{GENID}")) }}'
ALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.mark.parametrize("chunk_size", [700, 50_000])  # the ontology and closure come too: 3,000 triples
def test_blank_nodes_of_two_files_stay_two_nodes_as_on_the_local_engine(store, tmp_path, chunk_size):
    files = _blank_files(tmp_path)
    local = connect(files).select(BLANKS).rows[0]["n"].value
    load_into(store.query, data=files, graph="urn:x:g", chunk_size=chunk_size, credentials=store.credentials)
    remote = RemoteEngine(store.query, graph="urn:x:g").select(SKOLEMS).rows[0]["n"].value
    assert remote == local
    together = "SELECT ?v WHERE { ?b <urn:q> ?c . ?c <urn:p> ?v }"  # one component, one request
    assert [r["v"].value for r in RemoteEngine(store.query, graph="urn:x:g").select(together)] == ["one-b"]


def test_the_bundled_graph_loads_with_its_blank_nodes_as_the_local_engine_has_them(store):
    load_into(store.query, graph="urn:x:bundled", chunk_size=500, credentials=store.credentials)
    remote = RemoteEngine(store.query, graph="urn:x:bundled")
    local = connect()
    for here, there in ((BLANKS, SKOLEMS), (TYPED, SKOLEM_TYPED), (ALL, ALL)):
        assert remote.select(there).rows[0]["n"].value == local.select(here).rows[0]["n"].value, there
    assert remote.select(BLANKS).rows[0]["n"].value == "0"  # every one skolemised


def test_a_second_load_leaves_the_count_unchanged(store, bundled_store):
    """Loading the same graph again without --replace adds nothing: its blank nodes are the same skolem IRIs."""
    first = load_into(store.query, graph="urn:x:g", credentials=store.credentials)
    second = load_into(store.query, graph="urn:x:g", credentials=store.credentials)
    assert first.triples_in_target == second.triples_in_target == store.count("urn:x:g") == len(bundled_store)


def test_skolem_iris_are_stable_and_keep_identical_components_apart(tmp_path):
    from tppo_graph.parsing import load_store

    files = _blank_files(tmp_path)
    twin = tmp_path / "three.ttl"
    twin.write_text('_:z <urn:p> "two" .\n', encoding="utf-8")  # the same as two.nt's _:b0: still its own node
    runs = [sorted(str(t) for c in chunk_triples(load_store([*files, twin]), 50, skolem=True) for t in c) for _ in "ab"]
    assert runs[0] == runs[1]  # parsed again, fresh blank-node labels: the same IRIs
    assert not any("_:" in line for line in runs[0])
    twins = [line for line in runs[0] if line.endswith('<urn:p> "two"')]
    assert len(twins) == 2 and len({line.split()[0] for line in twins}) == 2
    assert all(line.startswith(f"<{GENID}") for line in twins)


def test_a_blank_node_used_far_apart_in_a_file_loads(store, tmp_path):
    data = tmp_path / "apart.ttl"
    lines = ['_:far <urn:p> "first" .'] + [f'<urn:s{i}> <urn:p> "{i}" .' for i in range(50)] + ["_:far <urn:q> 1 ."]
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = load_into(store.query, data=[data], graph="urn:x:g", chunk_size=1000, credentials=store.credentials)
    assert summary.triples_staged == summary.triples_sent
    two = RemoteEngine(store.query, graph="urn:x:g").select("SELECT ?o WHERE { ?b <urn:q> ?o . ?b <urn:p> ?x }")
    assert len(two.rows) == 1


def test_chunks_never_split_a_component():
    store = ox.Store()
    for i in range(10):
        node = ox.BlankNode(f"n{i}")
        store.add(ox.Quad(node, ox.NamedNode("urn:p"), ox.Literal(str(i))))
        if i:
            store.add(ox.Quad(ox.BlankNode(f"n{i - 1}"), ox.NamedNode("urn:next"), node))
        store.add(ox.Quad(ox.NamedNode(f"urn:s{i}"), ox.NamedNode("urn:p"), ox.Literal(str(i))))
    chunks = list(chunk_triples(store, 3))
    with_blanks = [c for c in chunks if any(isinstance(t.subject, ox.BlankNode) for t in c)]
    assert len(with_blanks) == 1 and len(with_blanks[0]) >= 19
    assert sum(map(len, chunks)) == len(store)


#: each store's query, update and Graph Store paths, as derived from its query URL
PATHS = {
    "oxigraph": {"/query", "/update", "/store"},
    "virtuoso": {"/sparql", "/sparql-auth", "/sparql-graph-crud-auth"},
}


def test_an_endpoint_keeps_its_path_and_query_string(store, runner, monkeypatch):
    from .stores import cli_auth

    with Proxy(store.base) as proxy:
        endpoint = proxy.url + store.query.split(store.base, 1)[1] + "?key=abc"
        auth = cli_auth(store, monkeypatch)
        result = runner.invoke(main, ["load", "--endpoint", endpoint, "--graph", "urn:x:g", "--format", "json", *auth])
        assert result.exit_code == 0, result.output
        asked = runner.invoke(
            main, ["sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--endpoint", endpoint, "--graph", "urn:x:g"]
        )
        assert asked.exit_code == 0, asked.output
        paths = [r.split(" ", 1)[1] for r in proxy.faults.requests]
    assert paths and all(urllib.parse.parse_qs(urllib.parse.urlsplit(p).query).get("key") == ["abc"] for p in paths)
    assert {urllib.parse.urlsplit(p).path for p in paths} == PATHS[store.name]
