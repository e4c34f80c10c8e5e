"""Network analysis: declarative projections of the graph into networkx, metrics, brokers, exports, pictures.

Which relations become edges is data, not code: a projection is a saved query tagged ``projection`` that returns
one row per supporting fact: ``?source ?target ?relation`` and optionally ``?fact`` (the entity whose sources
back the edge), ``?status`` (its verification status) and ``?weight``. Rows between the same two nodes with the
same relation merge into one edge whose weight is the number of distinct facts.

Betweenness and closeness count hops (a brokerage measure should not depend on how many facts support a link);
eigenvector centrality uses the weights. Above :data:`EXACT_BETWEENNESS_MAX_NODES` nodes, betweenness is
estimated from a seeded sample of pivots and the result says so.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from .errors import QueryError, UsageError
from .namespaces import TPPO, compact
from .protocols import Engine
from .queries import LocalEngine, SavedQuery, as_engine, bind_params, expand_curie, list_queries

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "EXACT_BETWEENNESS_MAX_NODES",
    "EXPORT_FORMATS",
    "METRICS",
    "BrokerReport",
    "NetworkMetrics",
    "brokers",
    "export_network",
    "get_projection",
    "list_projections",
    "metrics",
    "plot_network",
    "projection",
    "robustness",
]

PROJECTION_TAG = "projection"
#: metrics a table can be sorted by
METRICS = ("degree", "betweenness", "closeness", "eigenvector", "community")
EXPORT_FORMATS = ("graphml", "gexf", "json")
#: exact betweenness up to this many nodes; above, a seeded sample of pivots (Brandes' estimator)
EXACT_BETWEENNESS_MAX_NODES = 5000
BETWEENNESS_SAMPLE = 500
SEED = 42

_NODE_QUERY = """SELECT ?node ?class ?label ?short WHERE {
  VALUES ?node { %s }
  OPTIONAL { ?node a ?class FILTER(STRSTARTS(STR(?class), "%s")) }
  OPTIONAL { ?node <http://www.w3.org/2000/01/rdf-schema#label>|<http://www.w3.org/2004/02/skos/core#prefLabel> ?label }
  OPTIONAL { ?node <http://www.w3.org/2004/02/skos/core#altLabel> ?short }
}"""
_SOURCE_QUERY = """SELECT ?fact ?source WHERE {
  VALUES ?fact { %s }
  ?fact <http://purl.org/dc/terms/source> ?source
}"""
_SUBCLASS_QUERY = """SELECT ?sub ?super WHERE {
  ?sub <http://www.w3.org/2000/01/rdf-schema#subClassOf> ?super FILTER(STRSTARTS(STR(?sub), "%s"))
}"""


def list_projections() -> list[SavedQuery]:
    """The saved queries tagged ``projection``."""
    return list_queries(PROJECTION_TAG)


def get_projection(name: str) -> SavedQuery:
    """A projection by name, with or without its ``projection-`` prefix; unknown names list the valid ones."""
    known = {q.name: q for q in list_projections()}
    for candidate in (name, f"projection-{name}"):
        if candidate in known:
            return known[candidate]
    short = ", ".join(q.name.removeprefix("projection-") for q in known.values())
    raise UsageError(f"unknown projection '{name}' (projections: {short})")


def _values(iris: Iterable[str]) -> str:
    return " ".join(str(ox.NamedNode(i)) for i in sorted(set(iris)))


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
    *,
    data: Sequence[str | Path] | None = None,
    store: ox.Store | None = None,
    engine: Engine | None = None,
    **params: str | None,
) -> nx.Graph:
    """Build the networkx graph of projection ``name`` (a ``Graph``, or ``DiGraph`` if the header says so).

    Nodes carry ``iri``, ``cls`` (CURIE of the most specific tppo class), ``label_id``, ``label_en``; edges carry ``relation`` (CURIEs, space-separated when several),
    ``weight`` (distinct supporting facts), ``facts``, ``sources`` (the facts' dcterms:source) and ``status``.
    ``short_id`` / ``short_en`` hold an acronym (skos:altLabel) where the graph has one.
    """
    import networkx as nx

    query = get_projection(name)
    if engine is None:
        if store is None:
            from .engine import open_store

            store = open_store(data)
        engine = LocalEngine(store)
    runner = as_engine(engine)
    bindings = bind_params(query, params, runner)
    result = runner.select(query.body, bindings, name=query.name)
    for needed in ("source", "target", "relation"):
        if needed not in result.variables:
            raise QueryError(f"projection '{query.name}': the query does not select ?{needed}")
    options = query.header.get("projection") or {}
    graph: nx.Graph = nx.DiGraph() if options.get("directed") else nx.Graph()
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
    sources: dict[str, set[str]] = {}
    if facts:
        for row in runner.select(_SOURCE_QUERY % _values(facts)).rows:
            sources.setdefault(row["fact"].value, set()).add(row["source"].value)
    _add_nodes(graph, runner, nodes)
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for (s, t, relation), edge in sorted(edges.items()):
        pair = (s, t) if graph.is_directed() or s <= t else (t, s)
        into = merged.setdefault(pair, {"relations": set(), "facts": set(), "status": set(), "explicit": 0.0})
        into["relations"].add(compact(relation))
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


def _add_nodes(graph: nx.Graph, engine: Engine, nodes: set[str]) -> None:
    parents: dict[str, set[str]] = {}
    for row in engine.select(_SUBCLASS_QUERY % TPPO).rows:
        parents.setdefault(row["sub"].value, set()).add(row["super"].value)
    info: dict[str, dict[str, Any]] = {
        n: {"classes": set(), "id": None, "en": None, "short_id": None, "short_en": None} for n in nodes
    }
    rows = engine.select(_NODE_QUERY % (_values(nodes), TPPO)).rows if nodes else []
    for row in rows:
        entry = info[row["node"].value]
        if isinstance(row.get("class"), ox.NamedNode):
            entry["classes"].add(row["class"].value)
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
        cls = _most_specific(entry["classes"], parents)
        graph.add_node(
            node,
            iri=node,
            cls=compact(cls) if cls else "",
            label_id=entry["id"] or entry["en"] or compact(node),
            label_en=entry["en"] or entry["id"] or compact(node),
            short_id=entry["short_id"] or "",
            short_en=entry["short_en"] or "",
        )


# ---------------------------------------------------------------------------------------------
# Metrics
# ---------------------------------------------------------------------------------------------


@dataclass
class NetworkMetrics:
    """Per-node metrics (``rows``) and graph-level results of :func:`metrics`."""

    rows: list[dict[str, Any]]
    nodes: int
    edges: int
    components: int
    bridges: list[tuple[str, str]]
    communities: list[list[str]]
    betweenness_sampled: int | None = None
    notes: list[str] = field(default_factory=list)

    def top(self, metric: str = "betweenness", n: int | None = None) -> list[dict[str, Any]]:
        if metric not in METRICS:
            raise UsageError(f"--metric: unknown metric {metric!r} (metrics: {', '.join(METRICS)})")

        def key(row: dict[str, Any]) -> tuple[float, str]:
            value = row[metric]
            return (-(value if value is not None else -math.inf), row["node"])

        ordered = sorted(self.rows, key=(lambda r: (r["community"], r["node"])) if metric == "community" else key)
        return ordered[:n] if n else ordered

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _undirected(graph: nx.Graph) -> nx.Graph:
    return graph.to_undirected(as_view=False) if graph.is_directed() else graph


def closeness(g: nx.Graph, batch: int = 512) -> dict[Hashable, float]:
    """Closeness centrality exactly as networkx defines it (Wasserman-Faust, ``wf_improved``), with the
    breadth-first searches done by SciPy's compiled csgraph in batches of sources (networkx's pure-Python BFS from
    every node takes minutes on large projections)."""
    import networkx as nx
    import numpy as np
    from scipy.sparse.csgraph import shortest_path

    nodes = list(g.nodes)
    n = len(nodes)
    if n <= 1:
        return dict.fromkeys(nodes, 0.0)
    matrix = nx.to_scipy_sparse_array(g, nodelist=nodes, weight=None, format="csr")
    result: dict[Hashable, float] = {}
    for start in range(0, n, batch):
        rows = np.arange(start, min(start + batch, n))
        distances = shortest_path(matrix, directed=False, unweighted=True, indices=rows)
        finite = np.isfinite(distances)
        reachable = finite.sum(axis=1)  # including the node itself
        totals = np.where(finite, distances, 0.0).sum(axis=1)
        for offset, index in enumerate(rows):
            r, total = int(reachable[offset]), float(totals[offset])
            value = (r - 1) / total * ((r - 1) / (n - 1)) if total > 0 else 0.0
            result[nodes[index]] = value
    return result


def eigenvector(g: nx.Graph) -> dict[Hashable, float]:
    """Eigenvector centrality (weighted) by SciPy's sparse eigensolver when available, else by power iteration."""
    import networkx as nx

    try:
        return dict(nx.eigenvector_centrality_numpy(g, weight="weight", max_iter=500, tol=1e-9))
    except ImportError:
        return dict(nx.eigenvector_centrality(g, max_iter=2000, tol=1e-8, weight="weight"))


def metrics(graph: nx.Graph, *, seed: int = SEED, sample: int | None = None) -> NetworkMetrics:
    """Degree, betweenness, closeness and eigenvector centrality, articulation points, bridges and Louvain
    communities (seeded) of ``graph``, computed on its undirected view.

    :param sample: pivots for sampled betweenness; default exact up to :data:`EXACT_BETWEENNESS_MAX_NODES` nodes.
    """
    import networkx as nx

    g = _undirected(graph)
    n = g.number_of_nodes()
    notes: list[str] = []
    k = sample if sample is not None else (BETWEENNESS_SAMPLE if n > EXACT_BETWEENNESS_MAX_NODES else None)
    if k is not None and k >= n:
        k = None
    betweenness = nx.betweenness_centrality(g, k=k, seed=seed, normalized=True) if n else {}
    if k is not None:
        notes.append(f"betweenness estimated from {k} sampled pivots (seed {seed}) because the graph has {n} nodes")
    try:
        close = closeness(g) if n else {}
    except ImportError:  # SciPy missing: networkx's own (slower) implementation of the same definition
        close = nx.closeness_centrality(g) if n else {}
    eigen: dict[Hashable, float] = {}
    if n:
        largest = max(nx.connected_components(g), key=len)
        if len(largest) > 2:
            try:
                eigen = eigenvector(g.subgraph(largest).copy())
            except (nx.PowerIterationFailedConvergence, nx.NetworkXError):
                notes.append("eigenvector centrality did not converge; not reported")
        if len(largest) < n:
            notes.append("eigenvector centrality is given for the largest connected component only")
    articulation = set(nx.articulation_points(g)) if n else set()
    communities = sorted(
        (sorted(c) for c in nx.community.louvain_communities(g, weight="weight", seed=seed)) if n else [],
        key=lambda c: (-len(c), c[0]),
    )
    community_of = {node: i for i, members in enumerate(communities) for node in members}
    rows = []
    for node, attrs in sorted(g.nodes(data=True)):
        rows.append(
            {
                "node": node,
                "label_id": attrs.get("label_id", ""),
                "label_en": attrs.get("label_en", ""),
                "cls": attrs.get("cls", ""),
                "degree": g.degree(node),
                "betweenness": round(betweenness.get(node, 0.0), 6),
                "closeness": round(close.get(node, 0.0), 6),
                "eigenvector": round(eigen[node], 6) if node in eigen else None,
                "articulation_point": node in articulation,
                "community": community_of.get(node, -1),
            }
        )
    return NetworkMetrics(
        rows=rows,
        nodes=n,
        edges=g.number_of_edges(),
        components=nx.number_connected_components(g) if n else 0,
        bridges=sorted(tuple(sorted(e)) for e in nx.bridges(g)) if n else [],
        communities=communities,
        betweenness_sampled=k,
        notes=notes,
    )


@dataclass
class BrokerReport:
    """How two nodes are connected: shortest-path length and count, and the nodes those paths go through."""

    a: str
    b: str
    connected: bool
    distance: int | None
    shortest_paths: int
    brokers: list[dict[str, Any]]
    cut_nodes: list[str]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _bfs_counts(g: nx.Graph, start: Hashable) -> tuple[dict[Hashable, int], dict[Hashable, int]]:
    """Distance from ``start`` and number of shortest paths to every reachable node."""
    distance, count = {start: 0}, {start: 1}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in g.neighbors(node):
            if nxt not in distance:
                distance[nxt] = distance[node] + 1
                count[nxt] = count[node]
                queue.append(nxt)
            elif distance[nxt] == distance[node] + 1:
                count[nxt] += count[node]
    return distance, count


def _resolve(graph: nx.Graph, node: str) -> str:
    iri = expand_curie(node) or node
    if iri not in graph:
        raise UsageError(f"node {node!r} is not in the projection (give a CURIE such as tpd:IDN or a full IRI)")
    return iri


def brokers(graph: nx.Graph, a: str, b: str) -> BrokerReport:
    """The nodes on shortest paths between ``a`` and ``b`` (undirected), with how many of those paths pass through
    each (``paths``) and the share of all shortest paths that is (``share``); plus the single nodes whose removal
    disconnects ``a`` from ``b`` (``cut_nodes``, see :func:`robustness`)."""
    g = _undirected(graph)
    a, b = _resolve(g, a), _resolve(g, b)
    from_a, count_a = _bfs_counts(g, a)
    if b not in from_a:
        return BrokerReport(a, b, False, None, 0, [], [])
    from_b, count_b = _bfs_counts(g, b)
    total = count_a[b]
    distance = from_a[b]
    rows = []
    for node in g.nodes:
        if node in (a, b) or node not in from_b or from_a.get(node, math.inf) + from_b[node] != distance:
            continue
        through = count_a[node] * count_b[node]
        rows.append(
            {
                "node": node,
                "label_en": g.nodes[node].get("label_en", ""),
                "label_id": g.nodes[node].get("label_id", ""),
                "cls": g.nodes[node].get("cls", ""),
                "paths": through,
                "share": round(through / total, 6),
            }
        )
    rows.sort(key=lambda r: (-r["paths"], r["node"]))
    return BrokerReport(a, b, True, distance, total, rows, robustness(g, a, b))


def robustness(graph: nx.Graph, a: str, b: str) -> list[str]:
    """The single nodes whose removal disconnects ``a`` from ``b`` (none if they are not connected).

    Such a node lies on every path, hence on every shortest path: only those candidates are tested.
    """
    g = _undirected(graph)
    a, b = _resolve(g, a), _resolve(g, b)
    from_a, count_a = _bfs_counts(g, a)
    if b not in from_a:
        return []
    from_b, count_b = _bfs_counts(g, b)
    total = count_a[b]
    candidates = [
        v
        for v in g.nodes
        if v not in (a, b)
        and v in from_b
        and from_a.get(v, math.inf) + from_b[v] == from_a[b]
        and count_a[v] * count_b[v] == total
    ]
    cuts = []
    for v in candidates:
        seen, queue = {a, v}, deque([a])
        while queue and b not in seen:
            for nxt in g.neighbors(queue.popleft()):
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
        if b not in seen:
            cuts.append(v)
    return sorted(cuts)


# ---------------------------------------------------------------------------------------------
# Exports and pictures
# ---------------------------------------------------------------------------------------------


def export_network(graph: nx.Graph, fmt: str, path: str | Path) -> Path:
    """Write ``graph`` as GraphML or GEXF (Gephi, Cytoscape) or node-link JSON, atomically."""
    import json
    import tempfile

    import networkx as nx

    from .export import write_atomic

    if fmt not in EXPORT_FORMATS:
        raise UsageError(f"--export: unknown format {fmt!r} (formats: {', '.join(EXPORT_FORMATS)})")
    plain = graph.copy()
    for _, attrs in plain.nodes(data=True):  # GraphML and GEXF take scalars only
        for key, value in list(attrs.items()):
            if value is None:
                del attrs[key]
    if fmt == "json":
        content = json.dumps(nx.node_link_data(plain, edges="links"), ensure_ascii=False, indent=1).encode("utf-8")
    else:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / f"graph.{fmt}"
            (nx.write_graphml if fmt == "graphml" else nx.write_gexf)(plain, out)
            content = out.read_bytes()
    target = Path(path)
    write_atomic(target, content)
    return target


_CLASS_COLOURS = {
    "tppo:State": "#1f77b4",
    "tppo:GovernmentBody": "#aec7e8",
    "tppo:InternationalOrganization": "#d62728",
    "tppo:CountryOffice": "#ff9896",
    "tppo:Forum": "#9467bd",
    "tppo:NonGovernmentalOrganization": "#8c564b",
    "tppo:Activity": "#2ca02c",
    "tppo:BilateralMechanism": "#ff7f0e",
    "tppo:RegionalMechanism": "#ffbb78",
    "tppo:MultilateralMechanism": "#bcbd22",
    "tppo:Obligation": "#17becf",
    "tppo:Obstacle": "#e377c2",
    "tppo:Recommendation": "#7f7f7f",
}


def plot_network(
    graph: nx.Graph,
    path: str | Path,
    *,
    sizes: Mapping[str, float] | None = None,
    lang: str = "en",
    title: str | None = None,
    label_limit: int = 28,
) -> Path:
    """Draw ``graph`` to PNG or SVG: colours by class, sizes by ``sizes`` (e.g. betweenness), readable labels."""
    target = Path(path)
    if target.suffix.lower() not in (".png", ".svg"):
        raise UsageError(f"--plot: {target.name}: the picture must be .png or .svg")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise UsageError("--plot needs matplotlib (pip install 'tppo-graph[plot]')") from None
    import io

    import networkx as nx

    from .export import write_atomic

    g = _undirected(graph)
    position = nx.spring_layout(g, seed=SEED, k=1.6 / math.sqrt(max(g.number_of_nodes(), 1)), iterations=200)
    values = sizes or {}
    top = max(values.values(), default=0.0) or 1.0
    node_sizes = [120 + 2200 * (values.get(n, 0.0) / top) for n in g.nodes]
    colours = [_CLASS_COLOURS.get(g.nodes[n].get("cls", ""), "#c7c7c7") for n in g.nodes]
    figure, axes = plt.subplots(figsize=(16, 12), dpi=110)
    nx.draw_networkx_edges(g, position, ax=axes, alpha=0.25, width=0.8)
    nx.draw_networkx_nodes(
        g, position, ax=axes, node_size=node_sizes, node_color=colours, linewidths=0.5, edgecolors="#333333"
    )
    key = "label_id" if lang == "id" else "label_en"
    labels = {}
    for n in g.nodes:
        text = g.nodes[n].get(f"short_{lang}") or g.nodes[n].get(key) or compact(n)
        labels[n] = text if len(text) <= label_limit else text[: label_limit - 1] + "…"
    nx.draw_networkx_labels(g, position, labels=labels, ax=axes, font_size=7)
    present = sorted({g.nodes[n].get("cls", "") for n in g.nodes})
    handles = [
        plt.Line2D([], [], marker="o", linestyle="", color=_CLASS_COLOURS.get(c, "#c7c7c7"), label=c or "other")
        for c in present
    ]
    axes.legend(handles=handles, loc="lower left", fontsize=8, frameon=False)
    axes.set_title(title or graph.graph.get("summary", ""), fontsize=11)
    axes.axis("off")
    buffer = io.BytesIO()
    figure.savefig(buffer, format=target.suffix.lower().lstrip("."), bbox_inches="tight")
    plt.close(figure)
    write_atomic(target, buffer.getvalue())
    return target
