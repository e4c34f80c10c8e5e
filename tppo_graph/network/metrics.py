"""Network metrics: centralities, articulation points, bridges, communities; brokers and robustness between two
nodes.

Betweenness and closeness count hops (a brokerage measure should not depend on how many facts support a link);
eigenvector centrality uses the weights. Above :data:`EXACT_BETWEENNESS_MAX_NODES` nodes, betweenness is
estimated from a seeded sample of pivots and the result says so.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Hashable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from ..binding import expand_curie
from ..errors import InvalidOption, UsageError

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "EXACT_BETWEENNESS_MAX_NODES",
    "METRICS",
    "SEED",
    "BrokerReport",
    "NetworkMetrics",
    "brokers",
    "closeness",
    "eigenvector",
    "metrics",
    "robustness",
    "undirected",
]

#: metrics a table can be sorted by
METRICS = ("degree", "betweenness", "closeness", "eigenvector", "community")
#: exact betweenness up to this many nodes; above, a seeded sample of pivots (Brandes' estimator)
EXACT_BETWEENNESS_MAX_NODES = 5000
BETWEENNESS_SAMPLE = 500
SEED = 42


def undirected(graph: nx.Graph[Any]) -> nx.Graph[Any]:
    """The graph itself, or its undirected copy when it is directed."""
    return graph.to_undirected(as_view=False) if graph.is_directed() else graph


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
        """The rows sorted by ``metric`` (highest first; by community, then node, for ``community``), ``n`` of them."""
        if metric not in METRICS:
            raise InvalidOption("metric", "metric", f"unknown metric {metric!r} (metrics: {', '.join(METRICS)})")

        def key(row: dict[str, Any]) -> tuple[float, str]:
            value = row[metric]
            return (-(value if value is not None else -math.inf), row["node"])

        ordered = sorted(self.rows, key=(lambda r: (r["community"], r["node"])) if metric == "community" else key)
        return ordered[:n] if n else ordered

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data (JSON-ready)."""
        return asdict(self)


def closeness(g: nx.Graph[Any], batch: int = 512) -> dict[Hashable, float]:
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


def eigenvector(g: nx.Graph[Any]) -> dict[Hashable, float]:
    """Eigenvector centrality (weighted) by SciPy's sparse eigensolver when available, else by power iteration."""
    import networkx as nx

    try:
        return dict(nx.eigenvector_centrality_numpy(g, weight="weight", max_iter=500, tol=1e-9))
    except ImportError:
        return dict(nx.eigenvector_centrality(g, max_iter=2000, tol=1e-8, weight="weight"))


def metrics(graph: nx.Graph[Any], *, seed: int = SEED, sample: int | None = None) -> NetworkMetrics:
    """Degree, betweenness, closeness and eigenvector centrality, articulation points, bridges and Louvain
    communities (seeded) of ``graph``, computed on its undirected view.

    :param sample: pivots for sampled betweenness; default exact up to :data:`EXACT_BETWEENNESS_MAX_NODES` nodes.
    """
    import networkx as nx

    g = undirected(graph)
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
        """The report as plain data (JSON-ready)."""
        return asdict(self)


def _bfs_counts(g: nx.Graph[Any], start: Hashable) -> tuple[dict[Hashable, int], dict[Hashable, int]]:
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


def _resolve(graph: nx.Graph[Any], node: str) -> str:
    iri = expand_curie(node) or node
    if iri not in graph:
        raise UsageError(f"node {node!r} is not in the projection (give a CURIE such as tpd:IDN or a full IRI)")
    return iri


def brokers(graph: nx.Graph[Any], a: str, b: str) -> BrokerReport:
    """The nodes on shortest paths between ``a`` and ``b`` (undirected), with how many of those paths pass through
    each (``paths``) and the share of all shortest paths that is (``share``); plus the single nodes whose removal
    disconnects ``a`` from ``b`` (``cut_nodes``, see :func:`robustness`)."""
    g = undirected(graph)
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


def robustness(graph: nx.Graph[Any], a: str, b: str) -> list[str]:
    """The single nodes whose removal disconnects ``a`` from ``b`` (none if they are not connected).

    Such a node lies on every path, hence on every shortest path: only those candidates are tested.
    """
    g = undirected(graph)
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
