"""tppo-graph: a knowledge graph of trafficking-in-persons law between Indonesia and Cambodia and of IOM's role.

The query API is here: :func:`connect` gives an :class:`Engine`; :func:`run_query` and :func:`sparql` run on one.
The other verbs live in their modules, imported when used (each pulls in heavier libraries):
:func:`tppo_graph.validation.validate_graph`, :func:`tppo_graph.describe.describe`,
:func:`tppo_graph.export.export_graph`, :func:`tppo_graph.loading.load_into`, :func:`tppo_graph.server.serve`
and :mod:`tppo_graph.network`.
"""

from __future__ import annotations

from .catalogue import QueryParam, SavedQuery, get_query, list_queries
from .engines import Engine, LocalEngine, RdflibEngine, RemoteEngine, connect
from .errors import TppoGraphError
from .parsing import load_graph, load_store
from .queries import query_text, run_query, sparql
from .results import AskResult, GraphResult, QueryResult, SelectResult

__all__ = [
    "AskResult",
    "Engine",
    "GraphResult",
    "LocalEngine",
    "QueryParam",
    "QueryResult",
    "RdflibEngine",
    "RemoteEngine",
    "SavedQuery",
    "SelectResult",
    "TppoGraphError",
    "connect",
    "get_query",
    "list_queries",
    "load_graph",
    "load_store",
    "query_text",
    "run_query",
    "sparql",
]
