"""Serialise the whole graph (ontology + data) in a standard format, written atomically."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .atomic import write_atomic
from .engines import Engine, LocalEngine, connect
from .errors import InvalidOption, QueryError
from .namespaces import PREFIXES
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


def _statements(engine: Engine, dataset: bool) -> list[ox.Quad] | list[ox.Triple]:
    if dataset:
        if not isinstance(engine, LocalEngine):
            raise InvalidOption("fmt", "export format", "trig and nq need the graph's files (a local engine)")
        from .parsing import fill_store

        # The two named graphs come from the files; the cached store holds everything in the default graph.
        return list(fill_store(ox.Store(), engine.files(), named_graphs=True))
    if isinstance(engine, LocalEngine):
        return [q.triple for q in engine.store.quads_for_pattern(None, None, None, ox.DefaultGraph())]
    result = engine.query("CONSTRUCT WHERE { ?s ?p ?o }", name="export")
    if not isinstance(result, GraphResult):
        raise QueryError("export: the engine did not answer a CONSTRUCT query with triples")
    return list(result.triples)


def export_graph(fmt: str = "ttl", output: str | Path | None = None, *, engine: Engine | None = None) -> ExportResult:
    """Serialise ontology + data. ``trig``/``nq`` keep the ontology and the data in two named graphs.

    :param fmt: one of :data:`EXPORT_FORMATS`.
    :param output: file to write atomically; ``None`` returns the bytes in the result.
    :param engine: the graph (default: :func:`tppo_graph.connect`, the bundled graph in the cached store).
    """
    if fmt not in EXPORT_FORMATS:
        known = ", ".join(EXPORT_FORMATS)
        raise InvalidOption("fmt", "export format", f"unknown export format {fmt!r} (choose from: {known})")
    rdf_format, dataset = EXPORT_FORMATS[fmt]
    statements = _statements(engine if engine is not None else connect(), dataset)
    prefixes = None if fmt in ("nt", "nq") else _EXPORT_PREFIXES  # line formats have no prefixes
    content = ox.serialize(statements, format=rdf_format, prefixes=prefixes) or b""
    if output is None:
        return ExportResult(fmt, len(statements), None, content)
    write_atomic(Path(output), content)
    return ExportResult(fmt, len(statements), str(output))
