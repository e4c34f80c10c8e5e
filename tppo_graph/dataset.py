"""The dataset's VoID statistics, computed from the graph itself whenever it is exported or described.

The description of the dataset (DCAT 3 and VoID: title, licence, version, distributions, ...) is data, in
``graph_data/dataset.ttl``; what can be counted is never written there. :func:`statistics` counts it from a store
and :func:`void_triples` turns the counts into VoID triples about the dataset, which ``export`` writes next to
the graph and ``stats`` reports, so the two always agree with the graph they describe.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

import pyoxigraph as ox

from .namespaces import DATASET, PREFIXES, TPPO

__all__ = ["DATASET", "DatasetStatistics", "bundled_versions", "described", "statistics", "void_triples"]

VOID = PREFIXES["void"]
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")


@dataclass(frozen=True)
class DatasetStatistics:
    """VoID figures of a graph: ``entities`` counts instances of ``tppo:Entity`` and its subclasses."""

    triples: int
    entities: int
    distinct_subjects: int
    distinct_objects: int
    classes: dict[str, int] = field(default_factory=dict)  # class IRI -> distinct instances
    properties: dict[str, int] = field(default_factory=dict)  # property IRI -> triples

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _rows(store: ox.Store, query: str) -> list[ox.QuerySolution]:
    # the union of all graphs: a TriG or N-Quads graph keeps ontology and data in two named graphs
    result = store.query(query, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    return list(result)


def _count(store: ox.Store, query: str) -> int:
    value = _rows(store, query)[0][0]
    return int(value.value) if value is not None else 0


def _counts(store: ox.Store, query: str) -> dict[str, int]:
    return {row[0].value: int(row[1].value) for row in _rows(store, query) if row[0] is not None and row[1] is not None}


#: each distinct triple once, whichever graphs hold it
_TRIPLES = "{ SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"


def statistics(store: ox.Store) -> DatasetStatistics:
    """Count the graph in ``store``: its distinct triples, over the default graph and any named graphs."""
    entity = f"?s a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* <{TPPO}Entity>"
    return DatasetStatistics(
        triples=_count(store, f"SELECT (COUNT(*) AS ?n) WHERE {_TRIPLES}"),
        entities=_count(store, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {entity} }}"),
        distinct_subjects=_count(store, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }"),
        distinct_objects=_count(store, "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }"),
        classes=_counts(store, "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c"),
        properties=_counts(store, f"SELECT ?p (COUNT(*) AS ?n) WHERE {_TRIPLES} GROUP BY ?p"),
    )


def described(store: ox.Store) -> bool:
    """Whether the graph in ``store`` carries the bundled dataset's description (user data may not)."""
    dataset = ox.NamedNode(DATASET)
    return any(True for _ in store.quads_for_pattern(dataset, RDF_TYPE, None, None))


def _partition_iri(kind: str, iri: str) -> ox.NamedNode:
    """A stable IRI for a partition: ``...tppo-graph-class-tppo-State``, or a hash for a term with no prefix."""
    best = max((ns for ns in PREFIXES.values() if iri.startswith(ns)), key=len, default=None)
    if best is not None and iri[len(best) :].replace("-", "").replace("_", "").isalnum():
        prefix = next(p for p, ns in PREFIXES.items() if ns == best)
        local = f"{prefix}-{iri[len(best) :]}"
    else:
        local = hashlib.sha1(iri.encode("utf-8"), usedforsecurity=False).hexdigest()[:16]
    return ox.NamedNode(f"{DATASET}-{kind}-{local}")


def void_triples(stats: DatasetStatistics, dataset: str = DATASET) -> list[ox.Triple]:
    """The statistics as VoID triples about ``dataset``: totals, then one partition per class and per property."""
    subject = ox.NamedNode(dataset)

    def v(name: str) -> ox.NamedNode:
        return ox.NamedNode(VOID + name)

    def n(value: int) -> ox.Literal:
        return ox.Literal(str(value), datatype=_INTEGER)

    out = [
        ox.Triple(subject, v("triples"), n(stats.triples)),
        ox.Triple(subject, v("entities"), n(stats.entities)),
        ox.Triple(subject, v("distinctSubjects"), n(stats.distinct_subjects)),
        ox.Triple(subject, v("distinctObjects"), n(stats.distinct_objects)),
        ox.Triple(subject, v("classes"), n(len(stats.classes))),
        ox.Triple(subject, v("properties"), n(len(stats.properties))),
    ]
    for cls, count in sorted(stats.classes.items()):
        part = _partition_iri("class", cls)
        out += [
            ox.Triple(subject, v("classPartition"), part),
            ox.Triple(part, v("class"), ox.NamedNode(cls)),
            ox.Triple(part, v("entities"), n(count)),
        ]
    for prop, count in sorted(stats.properties.items()):
        part = _partition_iri("property", prop)
        out += [
            ox.Triple(subject, v("propertyPartition"), part),
            ox.Triple(part, v("property"), ox.NamedNode(prop)),
            ox.Triple(part, v("triples"), n(count)),
        ]
    return out


def bundled_versions() -> dict[str, str]:
    """The versions the bundled files declare: the dataset's ``dcat:version`` and the ontology's version IRI."""
    from .resources import bundled_root

    root = bundled_root()
    wanted = {
        "data": (
            ox.NamedNode(DATASET),
            ox.NamedNode(PREFIXES["dcat"] + "version"),
            root / "graph_data" / "dataset.ttl",
        ),
        "ontology": (ox.NamedNode(TPPO), ox.NamedNode(PREFIXES["owl"] + "versionIRI"), root / "ontology" / "tppo.ttl"),
    }
    found: dict[str, str] = {}
    for key, (subject, predicate, path) in wanted.items():
        if path.is_file():
            for quad in ox.parse(path=path, format=ox.RdfFormat.TURTLE):
                if quad.subject == subject and quad.predicate == predicate:
                    found[key] = quad.object.value
                    break
    return found
