"""Counts that describe the graph: size, entities per class, label coverage, unsourced facts, verification."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .dataset import DatasetStatistics, described, statistics
from .graph import load_store
from .namespaces import PREFIXES, TPD, TPPO, TPV, compact
from .resources import graph_files

__all__ = ["GraphStats", "LabelCoverage", "stats"]

_PROLOGUE = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


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
    triples: int
    files: int
    entities: int
    classes: dict[str, int] = field(default_factory=dict)
    labels: list[LabelCoverage] = field(default_factory=list)
    verification: dict[str, int] = field(default_factory=dict)
    without_source: list[str] = field(default_factory=list)
    #: the VoID figures that `export` writes into the dataset's description (None: the data describe no dataset)
    void: DatasetStatistics | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _rows(store: ox.Store, query: str) -> list[dict[str, Any]]:
    result = store.query(_PROLOGUE + query)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: (s[n].value if s[n] is not None else None) for n in names} for s in result]


def _coverage(store: ox.Store, kind: str, member: str, label: str) -> LabelCoverage:
    row = _rows(
        store,
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


def stats(data: Sequence[str | Path] | None = None) -> GraphStats:
    """Describe the selected graph (default: the bundled one)."""
    files = graph_files(data)
    store = load_store(data, entailed=False)  # counts what the data assert, not what is entailed
    entity = "?s a/rdfs:subClassOf* tppo:Entity ."
    classes = {
        compact(r["class"]): int(r["n"])
        for r in _rows(
            store,
            f"""SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {{
                  ?s a ?class FILTER(STRSTARTS(STR(?s), "{TPD}") || STRSTARTS(STR(?s), "{TPV}"))
                }} GROUP BY ?class ORDER BY DESC(?n) ?class""",
        )
    }
    entities = int(_rows(store, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {entity} }}")[0]["n"])
    labels = [
        _coverage(store, "entities (rdfs:label)", entity, "rdfs:label"),
        _coverage(store, "concepts (skos:prefLabel)", "?s a skos:Concept .", "skos:prefLabel"),
        _coverage(
            store,
            "ontology terms (rdfs:label)",
            f'?s a ?t FILTER(?t IN (owl:Class, owl:ObjectProperty, owl:DatatypeProperty) && STRSTARTS(STR(?s), "{TPPO}"))',
            "rdfs:label",
        ),
    ]
    verification = {
        compact(r["status"]): int(r["n"])
        for r in _rows(
            store,
            f"SELECT ?status (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {entity} ?s tppo:verificationStatus ?status }} "
            "GROUP BY ?status ORDER BY DESC(?n)",
        )
    }
    without = [
        compact(r["s"])
        for r in _rows(
            store,
            f"SELECT DISTINCT ?s WHERE {{ {entity} FILTER NOT EXISTS {{ ?s dcterms:source ?src }} }} ORDER BY ?s",
        )
    ]
    return GraphStats(
        triples=len(store),
        files=len(files.graph),
        entities=entities,
        classes=classes,
        labels=labels,
        verification=verification,
        without_source=without,
        void=statistics(store) if described(store) else None,
    )
