"""tppo-graph: a knowledge graph of trafficking-in-persons law between Indonesia and Cambodia and of IOM's role.

The public API is imported lazily so that ``import tppo_graph`` stays cheap on the query path.
"""

from __future__ import annotations

from importlib import import_module

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms on the query path)
if TYPE_CHECKING:
    from typing import Any

# The verbs live in modules named for them (tppo_graph.validate.validate, tppo_graph.stats.stats,
# tppo_graph.export.export); only names that do not shadow a submodule are re-exported here.
__all__ = ["ExportResult", "GraphStats", "ValidationReport", "load_graph", "load_store"]

_LAZY = {
    "load_graph": "graph",
    "load_store": "graph",
    "ValidationReport": "validate",
    "GraphStats": "stats",
    "ExportResult": "export",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tppo_graph' has no attribute {name!r}")
    return getattr(import_module(f".{module}", __name__), name)
