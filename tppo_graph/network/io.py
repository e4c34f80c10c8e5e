"""Network files: GraphML and GEXF (Gephi, Cytoscape) or node-link JSON, written atomically."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..atomic import write_atomic
from ..errors import InvalidOption

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["EXPORT_FORMATS", "export_network"]

#: the network file formats
EXPORT_FORMATS = ("graphml", "gexf", "json")


def export_network(graph: nx.Graph[Any], fmt: str, path: str | Path) -> Path:
    """Write ``graph`` as GraphML or GEXF (Gephi, Cytoscape) or node-link JSON, atomically."""
    import json
    import tempfile

    import networkx as nx

    if fmt not in EXPORT_FORMATS:
        known = ", ".join(EXPORT_FORMATS)
        raise InvalidOption("export", "network format", f"unknown format {fmt!r} (formats: {known})")
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
