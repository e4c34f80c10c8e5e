"""Counts that describe the graph: size, entities per class, label coverage, unsourced facts, verification.

Computed with SPARQL through an engine, so the same report comes from the cached embedded store or an endpoint.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .dataset import DatasetStatistics, described, statistics
from .engines import Engine, LocalEngine, connect
from .namespaces import TPD, TPPO, TPV, compact

__all__ = ["GraphStats", "LabelCoverage", "describe"]


@dataclass(frozen=True)
class LabelCoverage:
    """How many resources of a kind carry a label in each language."""

    kind: str
    total: int
    with_id: int
    with_en: int
    with_both: int


@dataclass
class GraphStats:
    """What :func:`describe` found. ``files`` is None for a graph that is not read from files (an endpoint)."""

    triples: int
    files: int | None
    entities: int
    classes: dict[str, int] = field(default_factory=dict)
    labels: list[LabelCoverage] = field(default_factory=list)
    verification: dict[str, int] = field(default_factory=dict)
    without_source: list[str] = field(default_factory=list)
    #: the VoID figures that `export` writes into the dataset's description (None: the data describe no dataset)
    void: DatasetStatistics | None = None

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data (JSON-ready)."""
        return asdict(self)


def _rows(engine: Engine, query: str) -> list[dict[str, Any]]:
    result = engine.select(query, name="describe")
    return [{n: (t.value if (t := row.get(n)) is not None else None) for n in result.variables} for row in result]


def _coverage(engine: Engine, kind: str, member: str, label: str) -> LabelCoverage:
    row = _rows(
        engine,
        f"""SELECT (COUNT(DISTINCT ?s) AS ?total) (COUNT(DISTINCT ?sid) AS ?id) (COUNT(DISTINCT ?sen) AS ?en)
                   (COUNT(DISTINCT ?sboth) AS ?both)
        WHERE {{ {member}
          OPTIONAL {{ ?s {label} ?l1 FILTER(LANGMATCHES(LANG(?l1), "id")) BIND(?s AS ?sid) }}
          OPTIONAL {{ ?s {label} ?l2 FILTER(LANGMATCHES(LANG(?l2), "en")) BIND(?s AS ?sen) }}
          OPTIONAL {{ ?s {label} ?l3 FILTER(LANGMATCHES(LANG(?l3), "id"))
                      ?s {label} ?l4 FILTER(LANGMATCHES(LANG(?l4), "en")) BIND(?s AS ?sboth) }}
        }}""",
    )[0]
    return LabelCoverage(kind, int(row["total"]), int(row["id"]), int(row["en"]), int(row["both"]))


def describe(engine: Engine | None = None) -> GraphStats:
    """Describe the graph of ``engine`` (default: :func:`tppo_graph.connect`, the bundled graph).

    A local engine is described by what its files assert (its store also holds the entailed closure that queries
    see, which is not part of the graph's size); a remote engine by what the store holds.
    """
    engine = engine if engine is not None else connect()
    if isinstance(engine, LocalEngine):
        from .parsing import load_store

        engine = LocalEngine(load_store(engine.data, entailed=False), engine.data)
    entity = "?s a/rdfs:subClassOf* tppo:Entity ."
    classes = {
        compact(r["class"]): int(r["n"])
        for r in _rows(
            engine,
            f"""SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {{
                  ?s a ?class FILTER(STRSTARTS(STR(?s), "{TPD}") || STRSTARTS(STR(?s), "{TPV}"))
                }} GROUP BY ?class ORDER BY DESC(?n) ?class""",
        )
    }
    entities = int(_rows(engine, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {entity} }}")[0]["n"])
    labels = [
        _coverage(engine, "entities (rdfs:label)", entity, "rdfs:label"),
        _coverage(engine, "concepts (skos:prefLabel)", "?s a skos:Concept .", "skos:prefLabel"),
        _coverage(
            engine,
            "ontology terms (rdfs:label)",
            f'?s a ?t FILTER(?t IN (owl:Class, owl:ObjectProperty, owl:DatatypeProperty) && STRSTARTS(STR(?s), "{TPPO}"))',
            "rdfs:label",
        ),
    ]
    verification = {
        compact(r["status"]): int(r["n"])
        for r in _rows(
            engine,
            f"SELECT ?status (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {entity} ?s tppo:verificationStatus ?status }} "
            "GROUP BY ?status ORDER BY DESC(?n)",
        )
    }
    without = [
        compact(r["s"])
        for r in _rows(
            engine,
            f"SELECT DISTINCT ?s WHERE {{ {entity} FILTER NOT EXISTS {{ ?s dcterms:source ?src }} }} ORDER BY ?s",
        )
    ]
    triples = int(_rows(engine, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"])
    return GraphStats(
        triples=triples,
        files=len(engine.files().graph) if isinstance(engine, LocalEngine) else None,
        entities=entities,
        classes=classes,
        labels=labels,
        verification=verification,
        without_source=without,
        void=statistics(engine.store) if isinstance(engine, LocalEngine) and described(engine.store) else None,
    )
