"""The report's pictures, drawn with matplotlib for reading: the coverage heatmap and the actor network.

The network shows labels only for the top brokers and the two states, placed so that no two overlap (each label
tries positions around its node, nearest first, until it touches no label already placed), and highlights the
shortest paths between the two states. matplotlib and networkx are imported only here.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from ..network.metrics import SEED, undirected
from ..network.plot import CLASS_COLOURS

if TYPE_CHECKING:
    import networkx as nx
    from matplotlib.figure import Figure

__all__ = ["COVERAGE_KEYS", "Picture", "coverage_key", "draw_heatmap", "draw_network"]

#: the four states of a coverage cell, in the order of the legend
COVERAGE_KEYS = ("full", "partial", "none-found", "not-examined")
_COVERAGE_COLOURS = {"full": "#1a7f37", "partial": "#9be9a8", "none-found": "#d1242f", "not-examined": "#eaeef2"}
_PATH_COLOUR = "#e36209"
#: the most nodes a network picture draws (a reader cannot read more)
MAX_DRAWN_NODES = 150


class Picture(NamedTuple):
    """A PNG picture, and for the network the boxes of its labels in pixels (x0, y0, x1, y1)."""

    png: bytes
    labels: tuple[tuple[str, tuple[float, float, float, float]], ...] = ()
    #: how many nodes the picture draws (a network picture may leave the periphery of a large network out)
    drawn: int = 0


def coverage_key(text: str) -> str:
    """The coverage key of a matrix cell as the saved query words it."""
    if text.startswith("none found"):
        return "none-found"
    return text.replace(" ", "-") if text in ("full", "partial", "not examined") else "not-examined"


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.fonttype"] = "none"
    return plt


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


def draw_heatmap(
    rows: Sequence[tuple[str, str, str]], states: tuple[str, str], words: Mapping[str, str], title: str
) -> Picture:
    """The coverage heatmap: one row per obligation (``(label, coverage in state A, in state B)``, coverage as the
    matrix query words it), one column per state, a cell coloured and worded by its coverage key."""
    plt = _pyplot()
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    height = 1.2 + 0.32 * len(rows)
    figure, axes = plt.subplots(figsize=(10.5, height), dpi=110)
    codes = [[COVERAGE_KEYS.index(coverage_key(cell)) for cell in row[1:]] for row in rows]
    cmap = ListedColormap([_COVERAGE_COLOURS[k] for k in COVERAGE_KEYS])
    axes.imshow(codes, cmap=cmap, vmin=-0.5, vmax=len(COVERAGE_KEYS) - 0.5, aspect="auto")
    for i, row in enumerate(codes):
        for j, code in enumerate(row):
            key = COVERAGE_KEYS[code]
            colour = "white" if key in ("full", "none-found") else "#24292f"
            axes.text(j, i, words[key], ha="center", va="center", fontsize=8, color=colour)
    axes.set_xticks(range(2), labels=list(states), fontsize=9)
    axes.xaxis.tick_top()
    axes.set_yticks(range(len(rows)), labels=[r[0] for r in rows], fontsize=8)
    axes.set_xticks([0.5], minor=True)
    axes.set_yticks([i + 0.5 for i in range(len(rows) - 1)], minor=True)
    axes.grid(which="minor", color="white", linewidth=2)
    axes.tick_params(which="both", length=0)
    for spine in axes.spines.values():
        spine.set_visible(False)
    handles = [Patch(facecolor=_COVERAGE_COLOURS[k], edgecolor="#8c959f", label=words[k]) for k in COVERAGE_KEYS]
    axes.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.01), ncol=4, fontsize=8, frameon=False)
    axes.set_title(title, fontsize=11, pad=24)
    png = _png(figure)
    plt.close(figure)
    return Picture(png)


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float], pad: float) -> bool:
    return not (a[2] + pad <= b[0] or b[2] + pad <= a[0] or a[3] + pad <= b[1] or b[3] + pad <= a[1])


def draw_network(
    graph: nx.Graph[Any],
    labelled: Sequence[str],
    pair: tuple[str, str],
    words: Mapping[str, str],
    *,
    lang: str = "en",
    sizes: Mapping[str, float] | None = None,
    layout: dict[str, Any] | None = None,
) -> tuple[Picture, set[tuple[str, str]]]:
    """The actor network for reading; returns the picture and the edges on shortest paths between ``pair``.

    :param labelled: the nodes that get a label (the top brokers and the pair); the rest are dots.
    :param words: the legend's wording (``path``, ``title``) and class names.
    :param layout: a cache for the node positions, so that two languages draw the same picture (and lay it out once).

    A network of more than :data:`MAX_DRAWN_NODES` nodes is drawn as the pair, the nodes on its shortest paths and
    the nodes of highest ``sizes``; the picture's nodes are then fewer than the network's (``Picture.drawn``).
    """
    import networkx as nx

    plt = _pyplot()
    from matplotlib.lines import Line2D
    from matplotlib.text import Text

    g = undirected(graph)
    a, b = pair
    from_a = nx.single_source_shortest_path_length(g, a)
    from_b = nx.single_source_shortest_path_length(g, b)
    distance = from_a.get(b)
    on_path: set[tuple[str, str]] = set()
    if distance is not None:
        for u, v in g.edges:
            for x, y in ((u, v), (v, u)):
                if x in from_a and y in from_b and from_a[x] + 1 + from_b[y] == distance:
                    on_path.add((min(u, v), max(u, v)))
    path_nodes = {n for e in on_path for n in e}
    if g.number_of_nodes() > MAX_DRAWN_NODES:  # a picture for reading: the pair, its paths and the top brokers
        keep = {a, b, *path_nodes, *(n for n in labelled if n in g)}
        near = [n for n in g.nodes if min(from_a.get(n, 9), from_b.get(n, 9)) <= 1 and n not in keep]
        near.sort(key=lambda n: (-(sizes or {}).get(n, 0.0), n))
        keep.update(near[: max(0, MAX_DRAWN_NODES - len(keep))])
        g = g.subgraph(keep).copy()
        g = g.subgraph(nx.node_connected_component(g, a)).copy()  # what hangs from the pair, nothing adrift
    cache = layout if layout is not None else {}
    position = cache.get("position")
    if position is None or set(position) != set(g.nodes):
        start = {a: (-1.0, 0.0), b: (1.0, 0.0)}
        position = nx.spring_layout(
            g, pos=start, fixed=[a, b], seed=SEED, k=2.2 / math.sqrt(max(g.number_of_nodes(), 1)), iterations=300
        )
        cache["position"] = position
    values = sizes or {}
    top = max(values.values(), default=0.0) or 1.0
    figure, axes = plt.subplots(figsize=(14, 10), dpi=100)
    plain = [e for e in g.edges if (min(e), max(e)) not in on_path]
    nx.draw_networkx_edges(g, position, edgelist=plain, ax=axes, alpha=0.18, width=0.7, edge_color="#57606a")
    nx.draw_networkx_edges(
        g, position, edgelist=sorted(on_path), ax=axes, alpha=0.9, width=2.4, edge_color=_PATH_COLOUR
    )
    nodes = list(g.nodes)
    node_sizes = [60 + 1800 * (values.get(n, 0.0) / top) for n in nodes]
    nx.draw_networkx_nodes(
        g,
        position,
        nodelist=nodes,
        ax=axes,
        node_size=node_sizes,
        node_color=[CLASS_COLOURS.get(g.nodes[n].get("cls", ""), "#c7c7c7") for n in nodes],
        edgecolors=[_PATH_COLOUR if n in path_nodes else "#333333" for n in nodes],
        linewidths=[1.8 if n in path_nodes else 0.4 for n in nodes],
    )
    axes.axis("off")
    axes.margins(0.08)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    placed: list[tuple[str, tuple[float, float, float, float]]] = []
    dots = []  # the nodes' discs in pixels: a label tries not to hide one
    for n, size in zip(nodes, node_sizes, strict=True):
        px, py = axes.transData.transform(position[n])
        r = math.sqrt(size) / 2 * figure.dpi / 72
        dots.append((n, (float(px - r), float(py - r), float(px + r), float(py + r))))
    key = "label_id" if lang == "id" else "label_en"
    for node in labelled:
        if node not in g:
            continue
        text = g.nodes[node].get(f"short_{lang}") or g.nodes[node].get(key) or node
        text = text if len(text) <= 42 else text[:41] + "…"
        x, y = position[node]
        label = axes.annotate(
            text,
            (x, y),
            xytext=(0, 0),
            textcoords="offset points",
            fontsize=9,
            ha="center",
            va="center",
            bbox={"boxstyle": "round,pad=0.25", "facecolor": "white", "edgecolor": "#8c959f", "alpha": 0.92},
            arrowprops={"arrowstyle": "-", "color": "#57606a", "linewidth": 0.6},
            zorder=5,
        )
        box = None
        for avoid in ([*placed, *dots], placed):  # labels and nodes; failing that, labels only
            for radius in range(14, 400, 10):
                for step in range(16):
                    angle = math.pi / 2 + step * math.pi / 8
                    label.set_position((radius * math.cos(angle), radius * math.sin(angle)))
                    label.update_positions(renderer)
                    extent = Text.get_window_extent(label, renderer)  # the text alone, not its leader line
                    candidate = (float(extent.x0), float(extent.y0), float(extent.x1), float(extent.y1))
                    if not any(_overlaps(candidate, other, 6.0) for _, other in avoid):
                        box = candidate
                        break
                if box is not None:
                    break
            if box is not None:
                break
        if box is None:  # nowhere free within reach: leave the node unlabelled rather than overlap
            label.remove()
            continue
        placed.append((node, box))
    present = sorted({g.nodes[n].get("cls", "") for n in g.nodes})
    handles = [
        Line2D([], [], marker="o", linestyle="", color=CLASS_COLOURS.get(c, "#c7c7c7"), label=words.get(c, c or "-"))
        for c in present
    ]
    handles.append(Line2D([], [], color=_PATH_COLOUR, linewidth=2.4, label=words["path"]))
    axes.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.0, 0.0), fontsize=8, frameon=False, ncol=4)
    axes.set_title(words["title"], fontsize=12)
    png = _png(figure)
    plt.close(figure)
    return Picture(png, tuple(placed), g.number_of_nodes()), on_path
