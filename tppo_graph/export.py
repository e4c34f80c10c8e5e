"""Serialise the whole graph (ontology + data) in a standard format, written atomically.

By default what the data assert is written (an export reloaded as ``--data`` and validated is the graph itself);
``entailed`` adds the closure that queries see. When the data describe the bundled dataset, its VoID statistics,
counted from what is written, are written with it (:mod:`tppo_graph.dataset`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .atomic import write_atomic
from .dataset import described, statistics, void_triples
from .engines import Engine, LocalEngine, connect
from .errors import InvalidOption, QueryError
from .namespaces import DATA_GRAPH, PREFIXES
from .results import GraphResult

__all__ = ["EXPORT_FORMATS", "ExportResult", "export_graph"]

#: format name -> (pyoxigraph format, whether the output is a dataset with named graphs)
EXPORT_FORMATS: dict[str, tuple[ox.RdfFormat, bool]] = {
    "ttl": (ox.RdfFormat.TURTLE, False),
    "nt": (ox.RdfFormat.N_TRIPLES, False),
    "jsonld": (ox.RdfFormat.JSON_LD, False),
    "rdfxml": (ox.RdfFormat.RDF_XML, False),
    "trig": (ox.RdfFormat.TRIG, True),
    "nq": (ox.RdfFormat.N_QUADS, True),
}
# rdf:type etc. are written in full by serialisers without a binding; sh: and vann: are not used by the data.
_EXPORT_PREFIXES = {p: ns for p, ns in PREFIXES.items() if p not in ("sh", "tpsh")}


@dataclass(frozen=True)
class ExportResult:
    """What was exported: the format, the number of statements, and where (``path`` None = returned bytes)."""

    format: str
    statements: int
    path: str | None
    content: bytes | None = None


def _store(engine: Engine, dataset: bool, entailed: bool) -> ox.Store:
    """The graph to write, in a store of its own (named graphs for ``dataset`` formats)."""
    if isinstance(engine, LocalEngine):
        from .parsing import fill_store

        # From the files: the cached store holds everything, entailed closure included, in the default graph.
        return fill_store(ox.Store(), engine.files(), named_graphs=dataset, entailed=entailed)
    if dataset:
        raise InvalidOption("fmt", "export format", "trig and nq need the graph's files (a local engine)")
    result = engine.query("CONSTRUCT WHERE { ?s ?p ?o }", name="export")
    if not isinstance(result, GraphResult):
        raise QueryError("export: the engine did not answer a CONSTRUCT query with triples")
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in result.triples)
    return store


def export_graph(
    fmt: str = "ttl", output: str | Path | None = None, *, engine: Engine | None = None, entailed: bool = False
) -> ExportResult:
    """Serialise ontology + data. ``trig``/``nq`` keep the ontology and the data in two named graphs.

    :param fmt: one of :data:`EXPORT_FORMATS`.
    :param output: file to write atomically; ``None`` returns the bytes in the result.
    :param engine: the graph (default: :func:`tppo_graph.connect`, the bundled graph).
    :param entailed: add the entailed triples (:mod:`tppo_graph.entailment`); by default only what the data
        assert is written, so that an export reloaded as ``--data`` and validated is the graph itself.
    """
    if fmt not in EXPORT_FORMATS:
        known = ", ".join(EXPORT_FORMATS)
        raise InvalidOption("fmt", "export format", f"unknown export format {fmt!r} (choose from: {known})")
    rdf_format, dataset = EXPORT_FORMATS[fmt]
    store = _store(engine if engine is not None else connect(), dataset, entailed)
    statements: list[ox.Quad] | list[ox.Triple] = list(store) if dataset else [q.triple for q in store]
    if described(store):  # the dataset's VoID statistics, counted from what is written (never written by hand)
        void = void_triples(statistics(store))
        if dataset:
            graph = ox.NamedNode(DATA_GRAPH)
            statements = [*statements, *(ox.Quad(t.subject, t.predicate, t.object, graph) for t in void)]
        else:
            statements = [*statements, *void]
    prefixes = None if fmt in ("nt", "nq") else _EXPORT_PREFIXES  # line formats have no prefixes
    content = ox.serialize(statements, format=rdf_format, prefixes=prefixes) or b""
    if output is None:
        return ExportResult(fmt, len(statements), None, content)
    write_atomic(Path(output), content)
    return ExportResult(fmt, len(statements), str(output))
