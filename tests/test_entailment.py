"""Inference: what queries see (the RDFS/SKOS closure), what the data assert, and the ontology's consistency.

The closure (tppo_graph.entailment) is materialised wherever the toolkit builds or fills a store; validation and
``stats`` see the asserted graph. The reasoner test runs an OWL 2 RL closure (owlrl) over the ontology, the
vocabularies and the reused vocabularies' disjointness axioms, with one witness individual per class: a class that
cannot have instances makes the closure report an inconsistency.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import OWL, RDF, BNode, Graph, Namespace, URIRef

from tppo_graph.cli import main
from tppo_graph.engines import LocalEngine
from tppo_graph.entailment import ENTAILED_GRAPH, entailed_triples
from tppo_graph.export import export_graph as export
from tppo_graph.namespaces import TPPO, TPV
from tppo_graph.parsing import load_graph, load_store
from tppo_graph.queries import sparql

from .conftest import ROOT, ontology_files

EXTERNAL = Path(__file__).resolve().parent / "data" / "external" / "disjointness-axioms.ttl"
ERRNS = Namespace("http://www.daml.org/2002/03/agents/agent-ont#")


def count(query: str, store) -> int:
    return int(sparql(query, engine=LocalEngine(store)).values()[0]["n"])


@pytest.mark.parametrize(
    ("cls", "at_least"),
    [("LegalInstrument", 40), ("Provision", 140), ("CooperationMechanism", 10), ("Agent", 50), ("Entity", 500)],
)
def test_superclasses_see_their_subclasses_instances(bundled_store, cls, at_least):
    asserted = load_store(entailed=False)
    query = f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a tppo:{cls} }}"
    assert count(query, bundled_store) >= at_least
    assert count(query, asserted) < count(query, bundled_store)  # the data assert only the narrowest class


def test_status_groups_find_their_leaves(bundled_store):
    def n(status: str) -> int:
        return count(
            f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x tppo:verificationStatus tpv:{status} }}", bundled_store
        )

    assert n("unverified") == n("unverified-weak-source") + n("unverified-from-memory") > 0
    assert n("established") == n("verified") + n("derived") > 0


def test_property_hierarchy_is_followed(bundled_store):
    # tppo:supportingEvidence, tppo:counterEvidence and tppo:assessmentBasis are all tppo:evidence and CiTO
    evidence = count("SELECT (COUNT(*) AS ?n) WHERE { ?c tppo:evidence ?e }", bundled_store)
    typed = count(
        "SELECT (COUNT(*) AS ?n) WHERE { VALUES ?p { tppo:supportingEvidence tppo:counterEvidence tppo:assessmentBasis } ?c ?p ?e }",
        bundled_store,
    )
    assert evidence == typed > 0
    assert count("SELECT (COUNT(*) AS ?n) WHERE { ?c cito:isDisputedBy ?e }", bundled_store) > 0


def test_the_data_keep_one_leaf_status_per_fact():
    asserted = load_store(entailed=False)
    query = (
        "SELECT (COUNT(*) AS ?n) WHERE { ?x tppo:verificationStatus ?s . "
        "FILTER EXISTS { [] <http://www.w3.org/2004/02/skos/core#broader> ?s } }"
    )
    assert count(query, asserted) == 0


def test_cli_sparql_counts_legal_instruments(runner):
    result = runner.invoke(
        main, ["sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?x a tppo:LegalInstrument }", "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    assert int(result.stdout.splitlines()[1]) >= 40


def test_export_is_asserted_by_default_and_entailed_on_request():
    from tppo_graph.dataset import statistics, void_triples

    plain = export("nt").statements
    entailed = export("nt", entailed=True).statements
    # each export also carries the VoID statistics of what it writes
    assert plain == len(load_store(entailed=False)) + len(void_triples(statistics(load_store(entailed=False))))
    assert entailed == len(load_store()) + len(void_triples(statistics(load_store()))) > plain
    quads = export("nq", entailed=True).content or b""
    assert f"<{ENTAILED_GRAPH}>".encode() in quads


def test_rdflib_graph_is_asserted_unless_asked():
    assert len(load_graph()) == len(load_store(entailed=False))
    assert len(load_graph(entailed=True)) == len(load_store())


def test_entailed_triples_are_new_facts_only_of_the_three_rules(bundled_store):
    asserted = load_store(entailed=False)
    predicates = {t.predicate.value for t in entailed_triples(asserted)}
    assert str(RDF.type) in predicates and TPPO + "verificationStatus" in predicates
    # no domain or range inference: a value never gets a type from the property it is the object of
    assert count("SELECT (COUNT(*) AS ?n) WHERE { tpv:verified a ?c FILTER(?c != skos:Concept) }", bundled_store) == 0


@pytest.mark.parametrize("dataset", [False, True], ids=["default-graph", "named-graphs"])
def test_materialising_adds_exactly_the_entailed_triples_to_the_same_nodes(dataset):
    import pyoxigraph as ox

    from tppo_graph.entailment import materialise

    # one asserted graph, copied with its blank-node labels, so that the two closures can be compared triple by triple
    text = load_store(entailed=False).dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    asserted = {q.triple for q in ox.parse(text, format=ox.RdfFormat.N_TRIPLES)}
    store = ox.Store()
    graph = ox.NamedNode("https://w3id.org/tppo/graph/data") if dataset else ox.DefaultGraph()
    store.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in asserted)
    expected = set(entailed_triples(store)) - asserted
    added = materialise(store, ENTAILED_GRAPH if dataset else None)
    assert added == len(expected) > 1000
    assert any(isinstance(t.subject, ox.BlankNode) for t in expected)  # a load would have relabelled these
    assert {q.triple for q in store} == asserted | expected


def _witnessed(ontology: Graph) -> Graph:
    """The ontology with one fresh individual per class of the tppo: namespace."""
    g = Graph()
    for triple in ontology:
        g.add(triple)
    for cls in set(ontology.subjects(RDF.type, OWL.Class)):
        if isinstance(cls, URIRef) and str(cls).startswith(TPPO):
            g.add((BNode(), RDF.type, cls))
    return g


def _owl_rl_errors(graph: Graph) -> list[str]:
    import owlrl

    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    unsatisfiable = [str(x) for x in graph.subjects(RDF.type, OWL.Nothing)]
    messages = [str(m) for m in graph.objects(None, ERRNS.error)]
    return unsatisfiable + messages


@pytest.fixture(scope="module")
def ontology_with_imports() -> Graph:
    g = Graph()
    for path in [*ontology_files(), EXTERNAL]:
        g.parse(path, format="turtle")
    return g


def test_owl_rl_closure_finds_no_unsatisfiable_class(ontology_with_imports):
    errors = _owl_rl_errors(_witnessed(ontology_with_imports))
    assert not errors, "\n".join(errors[:10])


def test_reasoner_test_would_catch_the_prov_contradiction(ontology_with_imports):
    """Control: the v1 axiom tppo:Entity rdfs:subClassOf prov:Entity makes every activity unsatisfiable."""
    from rdflib import RDFS

    broken = _witnessed(ontology_with_imports)
    broken.add((URIRef(TPPO + "Entity"), RDFS.subClassOf, URIRef("http://www.w3.org/ns/prov#Entity")))
    assert _owl_rl_errors(broken)


def test_vocabularies_file_is_part_of_the_reasoned_ontology():
    assert (ROOT / "ontology" / "vocabularies.ttl") in ontology_files()
    assert TPV  # the statuses' groups live there
