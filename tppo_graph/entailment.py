"""The entailments users of the graph expect, computed once and materialised where a store is built or filled.

Three rules, nothing more (no domain or range inference, no OWL):

1. the class hierarchy (RDFS rule rdfs9): ``?x a ?C`` and ``?C rdfs:subClassOf+ ?D`` give ``?x a ?D``, so that
   ``?x a tppo:LegalInstrument`` finds treaties, statutes and memoranda;
2. the property hierarchy (rdfs7, with ``owl:equivalentProperty`` read as sub-property both ways):
   ``?s ?p ?o`` and ``?p rdfs:subPropertyOf+ ?q`` give ``?s ?q ?o``, so that ``eli:date_document`` or
   ``tppo:evidence`` find the values of their sub-properties;
3. the SKOS ``broader`` closure of verification statuses: ``?x tppo:verificationStatus ?leaf`` and
   ``?leaf skos:broader+ ?group`` give ``?x tppo:verificationStatus ?group``, so that
   ``tppo:verificationStatus tpv:unverified`` or ``tpv:established`` find every fact of that group.

The data keep exactly one (leaf) status per fact and SHACL validates the asserted graph; a query that *shows* a
status picks the leaf (``FILTER NOT EXISTS { ?narrower skos:broader ?status }``, docs/modelling.md).
The hierarchies are read from the graph itself (the ontology and vocabularies are always loaded), so a data file
that adds a subclass or a narrower status is entailed the same way.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

__all__ = ["ENTAILED_GRAPH", "ENTAILMENT_VERSION", "entailed_triples", "materialise", "new_triples", "ntriples"]

#: part of the cache key of a stored graph: a change of the rules must rebuild every cached store
ENTAILMENT_VERSION = "rdfs9+rdfs7+skos-broader-status/2"  # 2: blank nodes kept (a load renamed them)
#: where exports with named graphs (trig, nq) put the entailed triples, next to the ontology and data graphs
ENTAILED_GRAPH = "https://w3id.org/tppo/graph/entailed"

_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_OWL = "http://www.w3.org/2002/07/owl#"
_CLASS_PAIRS = f"""SELECT DISTINCT ?c ?d WHERE {{
  ?c <{_RDFS}subClassOf>+ ?d FILTER(isIRI(?c) && isIRI(?d) && ?c != ?d)
}}"""
_PROPERTY_PAIRS = f"""SELECT DISTINCT ?p ?q WHERE {{
  ?p (<{_RDFS}subPropertyOf>|<{_OWL}equivalentProperty>|^<{_OWL}equivalentProperty>)+ ?q
  FILTER(isIRI(?p) && isIRI(?q) && ?p != ?q)
}}"""
_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_STATUS = "<https://w3id.org/tppo/def/verificationStatus>"
#: rule 3 as a pattern binding the entailed triple ?s ?q ?o (rules 1 and 2 are written per store, see _patterns)
_STATUS_PATTERN = f"?leaf <http://www.w3.org/2004/02/skos/core#broader>+ ?o . ?s {_STATUS} ?leaf BIND({_STATUS} AS ?q)"


def _pairs(store: ox.Store, query: str, a: str, b: str) -> list[tuple[ox.NamedNode, ox.NamedNode]]:
    return [(row[a], row[b]) for row in store.query(query, use_default_graph_as_union=True)]  # type: ignore[union-attr]


def _values(pairs: Iterable[tuple[ox.NamedNode, ox.NamedNode]]) -> str:
    return " ".join(f"({a} {b})" for a, b in pairs)


def _patterns(store: ox.Store) -> list[str]:
    """The three rules over what ``store`` holds now, each a graph pattern binding the entailed triple ``?s ?q ?o``."""
    patterns = []
    classes = _pairs(store, _CLASS_PAIRS, "c", "d")
    if classes:
        # Rust does the join: the (small) hierarchy as VALUES, instead of a Python loop per type
        patterns.append(f"VALUES (?c ?o) {{ {_values(classes)} }} ?s a ?c BIND({_RDF_TYPE} AS ?q)")
    properties = _pairs(store, _PROPERTY_PAIRS, "p", "q")
    if properties:
        patterns.append(f"VALUES (?p ?q) {{ {_values(properties)} }} ?s ?p ?o")
    patterns.append(_STATUS_PATTERN)
    return patterns


def _rules(store: ox.Store) -> list[str]:
    """The three rules as CONSTRUCT queries over what ``store`` holds now."""
    return [f"CONSTRUCT {{ ?s ?q ?o }} WHERE {{ {pattern} }}" for pattern in _patterns(store)]


def entailed_triples(store: ox.Store) -> list[ox.Triple]:
    """The distinct triples the three rules give for what ``store`` holds (all its graphs read as one).

    Some may already be asserted; :func:`new_triples` leaves those out.
    """
    found: list[ox.Triple] = []
    for query in _rules(store):
        found.extend(store.query(query, use_default_graph_as_union=True))  # type: ignore[arg-type]
    return list(dict.fromkeys(found))  # one of each, in a stable order


def new_triples(store: ox.Store) -> list[ox.Triple]:
    """The entailed triples that ``store`` does not hold yet (in any graph)."""
    return [
        t
        for t in entailed_triples(store)
        if next(store.quads_for_pattern(t.subject, t.predicate, t.object), None) is None
    ]


def ntriples(triples: Iterable[ox.Triple]) -> bytes:
    """The triples as N-Triples (for a bulk load or an upload)."""
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""


def materialise(store: ox.Store, graph: str | None = None) -> int:
    """Add the entailed triples to ``store`` (its default graph, or the named ``graph``); returns how many are new.

    Every rule reads the asserted graph: all are evaluated before anything is added. The entailed triples keep the
    store's own blank nodes (a rule's subject may be one: a provenance record's status group).
    """
    before = len(store)
    if next(store.named_graphs(), None) is None:
        # One INSERT ... WHERE, in Rust end to end: its pattern is evaluated on the store as it was, then every
        # solution is added (at a million triples 1.3 s in memory, 7.6 s on disk). A CONSTRUCT serialised and
        # bulk-loaded would be faster on disk, but a load gives every blank node a fresh label.
        into = f"GRAPH <{graph}> {{ ?s ?q ?o }}" if graph else "?s ?q ?o"
        union = " UNION ".join(f"{{ {pattern} }}" for pattern in _patterns(store))
        store.update(f"INSERT {{ {into} }} WHERE {{ {union} }}")
        return len(store) - before
    # A dataset (ontology and data in named graphs): the rules read the union of its graphs, which the WHERE of an
    # update cannot, so the triples come through Python.
    target: ox.NamedNode | ox.DefaultGraph = ox.NamedNode(graph) if graph else ox.DefaultGraph()
    # (only those no graph holds yet: an entailed graph beside the data repeats none of them)
    store.extend(ox.Quad(t.subject, t.predicate, t.object, target) for t in new_triples(store))
    return len(store) - before
