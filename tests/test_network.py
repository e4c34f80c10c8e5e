"""Network analysis: metrics and brokers on graphs whose answers are known by construction; projections built
from fixture data; properties of the bundled graph's projections that follow from the data."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest

from tppo_graph.cli import main
from tppo_graph.engines import connect
from tppo_graph.errors import QueryError, UnknownQueryError, UsageError
from tppo_graph.network import (
    EXPORT_FORMATS,
    brokers,
    export_network,
    get_projection,
    list_projections,
    metrics,
    plot_network,
    projection,
    robustness,
)

from .conftest import DATA_DIR

TPD = "https://w3id.org/tppo/id/"
SMALL = DATA_DIR / "network" / "small-world.ttl"
PROJECTIONS = [q.name.removeprefix("projection-") for q in list_projections()]


def labelled(graph: nx.Graph) -> nx.Graph:
    for node in graph.nodes:
        graph.nodes[node].update(label_en=str(node), label_id=str(node), cls="tppo:State")
    return graph


# ---------------------------------------------------------------------------------------------
# Metrics on graphs with known answers
# ---------------------------------------------------------------------------------------------


def test_path_graph_brokers_and_cut_nodes():
    g = labelled(nx.path_graph(["a", "b", "c", "d"]))
    report = brokers(g, "a", "d")
    assert (report.distance, report.shortest_paths) == (3, 1)
    assert [(r["node"], r["paths"], r["share"]) for r in report.brokers] == [("b", 1, 1.0), ("c", 1, 1.0)]
    assert report.cut_nodes == ["b", "c"]


def test_diamond_has_two_brokers_sharing_the_paths_and_no_cut():
    g = labelled(nx.Graph([("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")]))
    report = brokers(g, "a", "d")
    assert report.shortest_paths == 2
    assert {r["node"]: r["share"] for r in report.brokers} == {"b": 0.5, "c": 0.5}
    assert report.cut_nodes == [] == robustness(g, "a", "d")


def test_a_longer_detour_means_a_broker_on_all_shortest_paths_is_not_a_cut():
    g = labelled(nx.Graph([("a", "m"), ("m", "z"), ("a", "x"), ("x", "y"), ("y", "z")]))
    report = brokers(g, "a", "z")
    assert [r["node"] for r in report.brokers] == ["m"] and report.brokers[0]["share"] == 1.0
    assert report.cut_nodes == []


def test_disconnected_nodes_have_no_brokers():
    g = labelled(nx.Graph([("a", "b"), ("c", "d")]))
    report = brokers(g, "a", "d")
    assert not report.connected and report.brokers == [] and report.cut_nodes == []


def test_star_centre_has_all_the_betweenness_and_is_the_articulation_point():
    g = labelled(nx.star_graph(5))
    result = metrics(g)
    by_node = {r["node"]: r for r in result.rows}
    assert by_node[0]["betweenness"] == 1.0 and by_node[0]["degree"] == 5 and by_node[0]["articulation_point"]
    assert all(by_node[i]["betweenness"] == 0.0 and not by_node[i]["articulation_point"] for i in range(1, 6))
    assert len(result.bridges) == 5
    assert result.top("betweenness", 1)[0]["node"] == 0


def test_two_cliques_joined_by_a_bridge_make_two_communities():
    g = labelled(nx.barbell_graph(5, 0))
    result = metrics(g)
    assert result.bridges == [(4, 5)]
    assert sorted(map(sorted, result.communities)) == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    assert {r["node"] for r in result.rows if r["articulation_point"]} == {4, 5}
    assert metrics(g).communities == result.communities  # seeded: reproducible


def test_betweenness_is_sampled_above_the_limit_and_says_so():
    g = labelled(nx.path_graph(50))
    result = metrics(g, sample=10)
    assert result.betweenness_sampled == 10 and any("sampled" in n for n in result.notes)
    assert metrics(g).betweenness_sampled is None


@pytest.mark.parametrize(
    "graph",
    [nx.barbell_graph(5, 2), nx.path_graph(7), nx.Graph([(0, 1), (2, 3), (3, 4)]), nx.karate_club_graph()],
    ids=["barbell", "path", "disconnected", "karate"],
)
def test_fast_closeness_and_eigenvector_equal_networkx(graph):
    from tppo_graph.network import closeness, eigenvector

    fast = closeness(graph, batch=3)  # several batches
    assert fast == pytest.approx(nx.closeness_centrality(graph), abs=1e-12)
    if nx.is_connected(graph):
        reference = nx.eigenvector_centrality(graph, max_iter=10000, tol=1e-12, weight="weight")
        assert eigenvector(graph) == pytest.approx(reference, abs=1e-8)


def test_unknown_metric_lists_the_valid_ones():
    with pytest.raises(UsageError, match="metrics: degree, betweenness"):
        metrics(labelled(nx.path_graph(3))).top("pagerank")


# ---------------------------------------------------------------------------------------------
# Projections from fixture data
# ---------------------------------------------------------------------------------------------


def test_actor_projection_of_the_small_world():
    g = projection("actors", engine=connect([SMALL]))
    assert set(g.nodes) == {TPD + n for n in ("AAA", "BBB", "CCC", "io", "mech-a-c")}
    assert g.nodes[TPD + "io"]["cls"] == "tppo:InternationalOrganization" and g.nodes[TPD + "io"]["short_en"] == "IO"
    assert g.nodes[TPD + "AAA"]["label_id"] == "Negara A"
    edge = g.edges[TPD + "AAA", TPD + "io"]
    assert edge["relation"] == "org:member" and edge["weight"] == 2.0
    assert edge["facts"] == "tpd:membership-a-io tpd:membership-a-io-observer" and edge["sources"] == "tpd:src-test"
    assert brokers(g, "tpd:AAA", "tpd:BBB").cut_nodes == [TPD + "io"]
    assert brokers(g, "tpd:AAA", "tpd:CCC").brokers[0]["node"] == TPD + "mech-a-c"


def test_established_evidence_drops_the_papers_assertions():
    everything = projection("actors", engine=connect([SMALL]))
    established = projection("actors", {"evidence": "established"}, engine=connect([SMALL]))
    # the paper asserts the mechanism between AAA and CCC; without it CCC has no established link at all
    assert TPD + "mech-a-c" in everything and nx.has_path(everything, TPD + "AAA", TPD + "CCC")
    assert TPD + "mech-a-c" not in established
    assert TPD + "CCC" not in established
    assert set(established.nodes) < set(everything.nodes)


def test_malformed_projection_rows_name_the_query_and_row(tmp_path):
    bad = tmp_path / "projection-bad.rq"
    bad.write_text(
        "#+ summary: bad\n#+ description: returns a literal target\n#+ tags: [projection]\n"
        'SELECT ?source ?target ?relation WHERE { BIND(<urn:a> AS ?source) BIND("x" AS ?target) '
        "BIND(<urn:r> AS ?relation) }\n",
        encoding="utf-8",
    )
    with pytest.raises(QueryError, match=r"projection 'projection-bad': row 1 lacks an IRI source, target"):
        projection("bad", engine=connect([SMALL]), directory=tmp_path)


def test_unknown_projection_lists_the_valid_ones():
    with pytest.raises(UnknownQueryError, match=r"unknown projection 'friends' \(projections: actors,"):
        get_projection("friends")


# ---------------------------------------------------------------------------------------------
# The bundled graph: properties that follow from the data
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def typed_iris(bundled_store) -> set[str]:
    return {
        q.subject.value
        for q in bundled_store.quads_for_pattern(None, None, None)
        if q.predicate.value.endswith("#type")
    }


@pytest.mark.parametrize("name", PROJECTIONS)
def test_every_node_is_an_entity_and_every_edge_has_a_relation_and_a_source(name, local, typed_iris):
    g = projection(name, engine=local)
    assert g.number_of_edges() > 0
    assert set(g.nodes) <= typed_iris
    for node, attrs in g.nodes(data=True):
        assert attrs["label_en"] and attrs["label_id"] and attrs["cls"], node
    for s, t, attrs in g.edges(data=True):
        assert attrs["relation"] and attrs["weight"] >= 1, (s, t)
        assert attrs["sources"], f"edge {s} - {t} has no source"


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_exports_round_trip(fmt, tmp_path, local):
    g = projection("obstacles-recommendations", engine=local)
    path = export_network(g, fmt, tmp_path / f"net.{fmt}")
    if fmt == "graphml":
        back = nx.read_graphml(path)
    elif fmt == "gexf":
        back = nx.read_gexf(path)
    else:
        back = nx.node_link_graph(json.loads(path.read_text(encoding="utf-8")), edges="links")
    assert back.number_of_nodes() == g.number_of_nodes() and back.number_of_edges() == g.number_of_edges()
    node = next(iter(g.nodes))
    assert back.nodes[node]["label_en"] == g.nodes[node]["label_en"]


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_plot_writes_a_picture(tmp_path, local, suffix):
    g = projection("actors", engine=local)
    sizes = {r["node"]: r["betweenness"] for r in metrics(g).rows}
    path = plot_network(g, tmp_path / f"actors{suffix}", sizes=sizes)
    head = path.read_bytes()[:64]
    assert head.startswith(b"\x89PNG") if suffix == ".png" else b"<svg" in path.read_bytes()[:2000] or b"<?xml" in head


def test_cli_network(runner, tmp_path: Path):
    listing = runner.invoke(main, ["network"])
    assert listing.exit_code == 0 and all(p in listing.output for p in PROJECTIONS)
    result = runner.invoke(main, ["network", "actors", "--top", "5", "--brokers", "tpd:IDN", "tpd:KHM"])
    assert result.exit_code == 0, result.output
    assert "Brokers between" in result.output and "Republic of Indonesia" in result.output
    data = json.loads(runner.invoke(main, ["network", "actors", "--format", "json", "--top", "3"]).output)
    assert len(data["rows"]) == 3 and data["nodes"] > 3
    out = tmp_path / "actors.graphml"
    exported = runner.invoke(main, ["network", "actors", "--export", "graphml", "-o", str(out), "--format", "csv"])
    assert exported.exit_code == 0 and out.exists()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["network", "friends"], "unknown projection 'friends' (projections:"),
        (["network", "actors", "--metric", "pagerank"], "pagerank"),
        (["network", "actors", "--export", "graphml"], "--export: give the file with -o FILE"),
        (["network", "actors", "--plot", "x.pdf"], "must be .png or .svg"),
        (["network", "actors", "--brokers", "tpd:IDN", "tpd:nowhere"], "'tpd:nowhere' is not in the projection"),
    ],
)
def test_cli_network_errors(runner, args, needle, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, args)
    assert result.exit_code == 2
    assert needle in result.output + result.stderr
