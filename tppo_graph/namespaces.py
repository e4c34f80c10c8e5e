"""The project's namespaces and the reused vocabularies, as plain strings (no rdflib import on this path)."""

from __future__ import annotations

__all__ = ["BASE", "DATASET", "DATA_GRAPH", "ONTOLOGY_GRAPH", "PREFIXES", "TPD", "TPPO", "TPSH", "TPV", "compact"]

#: the one base namespace under which every tppo-graph IRI is minted
BASE = "https://w3id.org/tppo/"
TPPO = BASE + "def/"
TPD = BASE + "id/"
TPV = BASE + "vocab/"
TPSH = BASE + "shapes/"
#: named graphs used when the graph is exported as a dataset or loaded into a store
ONTOLOGY_GRAPH = BASE + "graph/ontology"
DATA_GRAPH = BASE + "graph/data"
#: the bundled dataset as a whole (its DCAT/VoID description is graph_data/dataset.ttl)
DATASET = TPD + "tppo-graph"

#: prefix -> namespace; mirrors ontology/prefixes.ttl (a test keeps the two identical)
PREFIXES: dict[str, str] = {
    "tppo": TPPO,
    "tpd": TPD,
    "tpv": TPV,
    "tpsh": TPSH,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "eli": "http://data.europa.eu/eli/ontology#",
    "time": "http://www.w3.org/2006/time#",
    "bibo": "http://purl.org/ontology/bibo/",
    "cito": "http://purl.org/spar/cito/",
    "schema": "https://schema.org/",
    "sh": "http://www.w3.org/ns/shacl#",
    "vann": "http://purl.org/vocab/vann/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "void": "http://rdfs.org/ns/void#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "c4o": "http://purl.org/spar/c4o/",
    "biro": "http://purl.org/spar/biro/",
    "fabio": "http://purl.org/spar/fabio/",
}


def compact(iri: str) -> str:
    """``https://w3id.org/tppo/def/Obligation`` -> ``tppo:Obligation``; ``<iri>`` when no prefix fits."""
    best = max((ns for ns in PREFIXES.values() if iri.startswith(ns)), key=len, default=None)
    if best is None:
        return f"<{iri}>" if "://" in iri else iri
    prefix = next(p for p, ns in PREFIXES.items() if ns == best)
    return f"{prefix}:{iri[len(best) :]}"
