"""How network reports are printed: a projection's metrics and brokers (table, CSV, JSON), the projections'
list, the note of a network export. The rest of the output is :mod:`tppo_graph.render`'s."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .render import render_csv, render_json, render_table

if TYPE_CHECKING:
    from .catalogue import SavedQuery
    from .network import NetworkReport

__all__ = ["NETWORK_FORMATS", "render_network", "render_network_export", "render_projections"]

NETWORK_FORMATS = ("table", "csv", "json")


def render_projections(projections: Sequence[SavedQuery]) -> str:
    """The network projections: short name and summary."""
    rows = [[q.name.removeprefix("projection-"), q.summary.removeprefix("Projection: ")] for q in projections]
    return render_table(["projection", "summary"], rows)


_NETWORK_COLUMNS = ["node", "class", "degree", "betweenness", "closeness", "eigenvector", "articulation", "community"]


def render_network(
    report: NetworkReport, *, metric: str = "betweenness", top: int | None = 20, lang: str = "en", fmt: str = "table"
) -> str:
    """A projection's metrics sorted by ``metric`` (``top`` rows), and its brokers: a table, CSV or JSON."""
    if fmt == "json":
        return render_json(report.to_dict(metric, top))
    label = "label_id" if lang == "id" else "label_en"
    rows = report.metrics.top(metric, top)
    cells: list[list[Any]] = [
        [
            r[label],
            r["cls"],
            r["degree"],
            f"{r['betweenness']:.4f}",
            f"{r['closeness']:.4f}",
            "" if r["eigenvector"] is None else f"{r['eigenvector']:.4f}",
            "yes" if r["articulation_point"] else "",
            r["community"],
        ]
        for r in rows
    ]
    if fmt == "csv":
        return render_csv(["iri", *_NETWORK_COLUMNS], [[r["node"], *c] for r, c in zip(rows, cells, strict=True)])
    m = report.metrics
    out = [
        f"{report.summary}\n",
        (
            f"{m.nodes} nodes, {m.edges} edges, {m.components} component(s), {len(m.communities)} communities, "
            f"{len(m.bridges)} bridges; sorted by {metric}\n"
        ),
        *(f"Note: {n}\n" for n in m.notes),
        "\n",
        render_table(_NETWORK_COLUMNS, cells),
    ]
    brokers = report.brokers
    if brokers is not None:
        out.append(f"\nBrokers between {brokers.a} and {brokers.b}: ")
        if not brokers.connected:
            out.append("not connected\n")
        else:
            out.append(f"distance {brokers.distance}, {brokers.shortest_paths} shortest path(s)\n")
            broker_rows = [[r[label], r["cls"], r["paths"], f"{r['share']:.3f}"] for r in brokers.brokers[:top]]
            out.append(render_table(["broker", "class", "paths", "share"], broker_rows))
            cuts = ", ".join(report.graph.nodes[c][label] for c in brokers.cut_nodes) or "none"
            out.append(f"Single nodes whose removal disconnects them: {cuts}\n")
    return "".join(out)


def render_network_export(nodes: int, edges: int, fmt: str, path: object) -> str:
    """The note a network export to a file leaves on standard error."""
    return f"Wrote {nodes} nodes and {edges} edges ({fmt}) to {path}"
