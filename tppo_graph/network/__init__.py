"""Network analysis: declarative projections of the graph into networkx, metrics, brokers, exports, pictures.

:func:`analyse` is the verb (a projection, its metrics and optionally the brokers between two nodes, as one
:class:`NetworkReport`); :func:`projection`, :func:`metrics`, :func:`brokers`, :func:`export_network` and
:func:`plot_network` are its parts. networkx, SciPy and matplotlib are imported only when used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..catalogue import get_projection, list_projections
from ..engines import Engine
from .io import EXPORT_FORMATS, export_network
from .metrics import (
    EXACT_BETWEENNESS_MAX_NODES,
    METRICS,
    BrokerReport,
    NetworkMetrics,
    brokers,
    closeness,
    eigenvector,
    metrics,
    robustness,
)
from .plot import plot_network
from .projection import projection

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "EXACT_BETWEENNESS_MAX_NODES",
    "EXPORT_FORMATS",
    "METRICS",
    "BrokerReport",
    "NetworkMetrics",
    "NetworkReport",
    "analyse",
    "brokers",
    "closeness",
    "eigenvector",
    "export_network",
    "get_projection",
    "list_projections",
    "metrics",
    "plot_network",
    "projection",
    "robustness",
]


@dataclass(frozen=True)
class NetworkReport:
    """A projection (``graph``, networkx), its metrics, and the brokers between two nodes when asked for."""

    graph: nx.Graph[Any]
    metrics: NetworkMetrics
    brokers: BrokerReport | None = None

    @property
    def name(self) -> str:
        """The projection's query name."""
        return str(self.graph.graph.get("projection", ""))

    @property
    def summary(self) -> str:
        """The projection's title."""
        return str(self.graph.graph.get("summary", ""))

    def to_dict(self, metric: str = "betweenness", top: int | None = None) -> dict[str, Any]:
        """The report as plain data: graph-level results and the ``top`` rows by ``metric``."""
        payload: dict[str, Any] = {
            "projection": self.name,
            **self.metrics.to_dict(),
            "rows": self.metrics.top(metric, top),
        }
        if self.brokers is not None:
            payload["brokers"] = self.brokers.to_dict()
        return payload


def analyse(
    name: str,
    params: Mapping[str, str] | None = None,
    *,
    engine: Engine | None = None,
    between: tuple[str, str] | None = None,
    directory: Path | None = None,
) -> NetworkReport:
    """Project the graph with projection ``name`` and compute its metrics (and the brokers ``between`` two nodes).

    :param params: the projection's parameters, as strings (``{"evidence": "established"}``).
    :param engine: the graph (default: :func:`tppo_graph.connect`).
    """
    graph = projection(name, params, engine=engine, directory=directory)
    return NetworkReport(graph, metrics(graph), brokers(graph, *between) if between else None)
