"""Projections: a saved query tagged ``projection`` turned into a networkx graph with tppo attributes.

Which relations become edges is data, not code: a projection returns one row per supporting fact:
``?source ?target ?relation`` and optionally ``?fact`` (the entity whose sources back the edge), ``?status`` (its
verification status) and ``?weight``. Rows between the same two nodes with the same relation merge into one edge
whose weight is the number of distinct facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from ..binding import bind_params
from ..catalogue import get_projection
from ..engines import Engine, connect
from ..errors import QueryError
from ..namespaces import TPPO, compact
from ..queries import sources_of, values_block

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["projection"]

_NODE_QUERY = """SELECT ?node ?class ?label ?short WHERE {
  VALUES ?node { %s }
  OPTIONAL { ?node a ?class FILTER(STRSTARTS(STR(?class), "%s")) }
  OPTIONAL { ?node <http://www.w3.org/2000/01/rdf-schema#label>|<http://www.w3.org/2004/02/skos/core#prefLabel> ?label }
  OPTIONAL { ?node <http://www.w3.org/2004/02/skos/core#altLabel> ?short }
}"""
_SUBCLASS_QUERY = """SELECT ?sub ?super WHERE {
  ?sub <http://www.w3.org/2000/01/rdf-schema#subClassOf> ?super FILTER(STRSTARTS(STR(?sub), "%s"))
}"""


def _most_specific(classes: set[str], parents: Mapping[str, set[str]]) -> str | None:
    """The class of ``classes`` that no other of them specialises (ties broken by name, for stability)."""
    if not classes:
        return None

    def ancestors(c: str) -> set[str]:
        seen, todo = set(), [c]
        while todo:
            for p in parents.get(todo.pop(), ()):
                if p not in seen:
                    seen.add(p)
                    todo.append(p)
        return seen

    covered = set().union(*(ancestors(c) for c in classes))
    leaves = sorted(c for c in classes if c not in covered)
    return leaves[0] if leaves else min(classes)


def projection(
    name: str,
    params: Mapping[str, str] | None = None,
    *,
    engine: Engine | None = None,
    directory: Path | None = None,
) -> nx.Graph[Any]:
    """Build the networkx graph of projection ``name`` (a ``Graph``, or ``DiGraph`` if the header says so).

    Nodes carry ``iri``, ``cls`` (CURIE of the most specific tppo class), ``label_id``, ``label_en``; edges carry ``relation`` (CURIEs, space-separated when several),
    ``weight`` (distinct supporting facts), ``facts``, ``sources`` (the facts' dcterms:source) and ``status``.
    ``short_id`` / ``short_en`` hold an acronym (skos:altLabel) where the graph has one.
    """
    import networkx as nx

    query = get_projection(name, directory)
    runner = engine if engine is not None else connect()
    bindings = bind_params(query, params, runner)
    result = runner.select(query.body, bindings, name=query.name)
    for needed in ("source", "target", "relation"):
        if needed not in result.variables:
            raise QueryError(f"projection '{query.name}': the query does not select ?{needed}")
    options = query.projection
    graph: nx.Graph[Any] = nx.DiGraph() if options.get("directed") else nx.Graph()
    graph.graph.update({"projection": query.name, "summary": query.summary, "directed": bool(options.get("directed"))})
    edges: dict[tuple[str, str, str], dict[str, Any]] = {}
    for number, row in enumerate(result.rows, start=1):
        source, target, relation = row.get("source"), row.get("target"), row.get("relation")
        if not isinstance(source, ox.NamedNode) or not isinstance(target, ox.NamedNode) or relation is None:
            shown = {k: (str(v) if v is not None else None) for k, v in row.items()}
            raise QueryError(
                f"projection '{query.name}': row {number} lacks an IRI source, target or relation: {shown}"
            )
        key = (source.value, target.value, relation.value)
        edge = edges.setdefault(key, {"facts": set(), "status": set(), "weight": 0.0})
        fact = row.get("fact")
        edge["facts"].add(fact.value if isinstance(fact, ox.NamedNode) else f"{key}#{number}")
        status = row.get("status")
        if status is not None:
            edge["status"].add(compact(status.value))
        weight = row.get("weight")
        edge["weight"] += float(weight.value) if isinstance(weight, ox.Literal) else 0.0
    nodes = {n for key in edges for n in key[:2]}
    facts = {f for e in edges.values() for f in e["facts"] if f.startswith(("http://", "https://"))}
    sources = sources_of(runner, facts)
    _add_nodes(graph, runner, nodes)
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for (s, t, relation_iri), edge in sorted(edges.items()):
        pair = (s, t) if graph.is_directed() or s <= t else (t, s)
        into = merged.setdefault(pair, {"relations": set(), "facts": set(), "status": set(), "explicit": 0.0})
        into["relations"].add(compact(relation_iri))
        into["facts"] |= edge["facts"]
        into["status"] |= edge["status"]
        into["explicit"] += edge["weight"]
    for (s, t), edge in merged.items():
        edge_sources = sorted({src for f in edge["facts"] for src in sources.get(f, ())})
        graph.add_edge(
            s,
            t,
            relation=" ".join(sorted(edge["relations"])),
            weight=edge["explicit"] or float(len(edge["facts"])),
            facts=" ".join(sorted(compact(f) for f in edge["facts"] if "://" in f)),
            sources=" ".join(compact(x) for x in edge_sources),
            status=" ".join(sorted(edge["status"])),
        )
    return graph


def _add_nodes(graph: nx.Graph[Any], engine: Engine, nodes: set[str]) -> None:
    parents: dict[str, set[str]] = {}
    for row in engine.select(_SUBCLASS_QUERY % TPPO, name="classes"):
        sub, sup = row["sub"], row["super"]
        if sub is not None and sup is not None:
            parents.setdefault(sub.value, set()).add(sup.value)
    info: dict[str, dict[str, Any]] = {
        n: {"classes": set(), "id": None, "en": None, "short_id": None, "short_en": None} for n in nodes
    }
    rows = engine.select(_NODE_QUERY % (values_block(nodes), TPPO), name="nodes").rows if nodes else ()
    for row in rows:
        node_term, cls = row["node"], row.get("class")
        if node_term is None:
            continue
        entry = info[node_term.value]
        if isinstance(cls, ox.NamedNode):
            entry["classes"].add(cls.value)
        label = row.get("label")
        if isinstance(label, ox.Literal) and label.language in ("id", "en"):
            entry[label.language] = min(filter(None, (entry[label.language], label.value)))
        short = row.get("short")
        if isinstance(short, ox.Literal):
            # an untagged acronym serves both languages; a tagged one only its own
            for lang in (short.language,) if short.language in ("id", "en") else ("id", "en"):
                key = f"short_{lang}"
                if entry[key] is None or len(short.value) < len(entry[key]):
                    entry[key] = short.value
    for node in sorted(nodes):
        entry = info[node]
        most = _most_specific(entry["classes"], parents)
        graph.add_node(
            node,
            iri=node,
            cls=compact(most) if most else "",
            label_id=entry["id"] or entry["en"] or compact(node),
            label_en=entry["en"] or entry["id"] or compact(node),
            short_id=entry["short_id"] or "",
            short_en=entry["short_en"] or "",
        )
