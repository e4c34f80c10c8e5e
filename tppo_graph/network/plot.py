"""Pictures of a projection: colours by class, sizes by a metric, readable labels (matplotlib, optional)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..atomic import write_atomic
from ..errors import InvalidOption
from ..namespaces import compact
from .metrics import SEED, undirected

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["CLASS_COLOURS", "plot_network"]

#: colour of each class in pictures; any other class is grey
CLASS_COLOURS = {
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
    graph: nx.Graph[Any],
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
        raise InvalidOption("plot", "picture", f"{target.name}: the picture must be .png or .svg")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.lines import Line2D
    except ImportError:
        raise InvalidOption("plot", "picture", "needs matplotlib (pip install 'tppo-graph[plot]')") from None
    import io

    import networkx as nx

    g = undirected(graph)
    position = nx.spring_layout(g, seed=SEED, k=1.6 / math.sqrt(max(g.number_of_nodes(), 1)), iterations=200)
    values = sizes or {}
    top = max(values.values(), default=0.0) or 1.0
    node_sizes = [120 + 2200 * (values.get(n, 0.0) / top) for n in g.nodes]
    colours = [CLASS_COLOURS.get(g.nodes[n].get("cls", ""), "#c7c7c7") for n in g.nodes]
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
        Line2D([], [], marker="o", linestyle="", color=CLASS_COLOURS.get(c, "#c7c7c7"), label=c or "other")
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
