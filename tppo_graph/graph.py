"""Load the graph: into a pyoxigraph store (fast path for queries, stats, export) or an rdflib Graph.

Every file is parsed by pyoxigraph, whose errors carry the file, line and column; the rdflib Graph is built from
the parsed triples, which is also several times faster than rdflib's own Turtle parser on large graphs.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pyoxigraph as ox

from .errors import GraphParseError
from .namespaces import DATA_GRAPH, ONTOLOGY_GRAPH
from .resources import GraphFiles, graph_files, rdf_format_name

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms on the query path)
if TYPE_CHECKING:
    import rdflib

__all__ = [
    "fill_store",
    "iter_quads",
    "load_file_into",
    "load_graph",
    "load_rdflib_files",
    "load_store",
    "nquads_text",
    "ox_format",
    "parse_file",
    "to_rdflib",
]

_OX_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}


def ox_format(path: Path) -> ox.RdfFormat:
    """The pyoxigraph format of an RDF file, by its extension."""
    return _OX_FORMATS[rdf_format_name(path)]


def _located(path: Path, exc: SyntaxError) -> GraphParseError:
    # pyoxigraph reports "Parser error between line L column C and ...: message"; keep the message only.
    message = str(exc.msg if hasattr(exc, "msg") else exc)
    if ": " in message and message.startswith("Parser error"):
        message = message.split(": ", 1)[1]
    return GraphParseError(_display(path), exc.lineno, exc.offset, message)


def _display(path: Path) -> str:
    """A short name for messages: relative to the working directory when possible."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def parse_file(path: Path) -> Iterator[ox.Quad]:
    """Parse one RDF file; a syntax error becomes :class:`GraphParseError` naming ``file:line:column``."""
    fmt = ox_format(path)
    try:
        # Materialised so that a syntax error is raised here, before the caller has used any triple.
        quads = list(ox.parse(path=path, format=fmt))
    except SyntaxError as exc:
        raise _located(path, exc) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GraphParseError(_display(path), None, None, f"cannot read: {exc}") from None
    return iter(quads)


def iter_quads(files: GraphFiles, *, named_graphs: bool = False) -> Iterator[ox.Quad]:
    """All quads of the selection; with ``named_graphs`` the ontology and data land in their own graphs."""
    for group, graph_iri in ((files.ontology, ONTOLOGY_GRAPH), (files.data, DATA_GRAPH)):
        target: ox.NamedNode | ox.DefaultGraph = ox.NamedNode(graph_iri) if named_graphs else ox.DefaultGraph()
        for path in group:
            for quad in parse_file(path):
                yield ox.Quad(quad.subject, quad.predicate, quad.object, target)


def load_file_into(store: ox.Store, path: Path, graph: ox.NamedNode | ox.DefaultGraph | None = None) -> None:
    """Parse one file straight into ``store`` (in Rust); a syntax error names ``file:line:column``."""
    try:
        store.load(path=path, format=ox_format(path), to_graph=graph or ox.DefaultGraph())
    except SyntaxError as exc:
        raise _located(path, exc) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GraphParseError(_display(path), None, None, f"cannot read: {exc}") from None


def fill_store(store: ox.Store, files: GraphFiles, *, named_graphs: bool = False, entailed: bool = False) -> ox.Store:
    """Load the ontology and data files into ``store`` (optionally into their two named graphs).

    With ``entailed`` the RDFS/SKOS closure of :mod:`tppo_graph.entailment` is added too (into its own named graph
    when ``named_graphs``).
    """
    for group, graph_iri in ((files.ontology, ONTOLOGY_GRAPH), (files.data, DATA_GRAPH)):
        target = ox.NamedNode(graph_iri) if named_graphs else None
        for path in group:
            load_file_into(store, path, target)
    if entailed:  # ENTAILMENT HOOK (#10): the one place a filled store gets the closure
        from .entailment import ENTAILED_GRAPH, materialise

        materialise(store, ENTAILED_GRAPH if named_graphs else None)
    return store


_TRIPLE_FORMATS = (ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES, ox.RdfFormat.RDF_XML)


def nquads_text(files: GraphFiles) -> tuple[str, int]:
    """The ontology and data as one N-Quads text in the default graph, and its number of distinct statements.

    For engines that read RDF text natively (pyshacl-turbo): streaming each file through pyoxigraph's parser and
    serializer costs a third of building a store and dumping it. Blank nodes get fresh labels per file, as rdflib
    gives them, so two files' ``_:b0`` stay two nodes.
    """
    parts: list[str] = []
    for path in (*files.ontology, *files.data):
        fmt = ox_format(path)
        try:
            quads = ox.parse(path=path, format=fmt, rename_blank_nodes=True)
            if fmt not in _TRIPLE_FORMATS:  # named graphs merge into the default graph, as in load_store
                quads = (ox.Quad(q.subject, q.predicate, q.object) for q in quads)
            parts.append(ox.serialize(quads, format=ox.RdfFormat.N_QUADS).decode("utf-8"))
        except SyntaxError as exc:
            raise _located(path, exc) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise GraphParseError(_display(path), None, None, f"cannot read: {exc}") from None
    text = "".join(parts)
    # one statement per line (the serializer escapes newlines in literals); hashes keep the count cheap in memory
    return text, len(set(map(hash, text.splitlines())))


def load_store(
    data: Sequence[str | Path] | None = None,
    *,
    include_ontology: bool = True,
    named_graphs: bool = False,
    entailed: bool = True,
) -> ox.Store:
    """An in-memory pyoxigraph store with the ontology (unless excluded) and the selected data.

    Like the query engine's store it holds the entailed triples (class and property hierarchy, status groups) unless
    ``entailed=False``, which gives the asserted graph only (what ``stats`` counts and ``export`` writes by default).
    """
    files = graph_files(data)
    if not include_ontology:
        files = GraphFiles(ontology=(), data=files.data, shapes=files.shapes)
    return fill_store(ox.Store(), files, named_graphs=named_graphs, entailed=entailed)


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> rdflib.term.Node:
    """Convert one pyoxigraph term to rdflib, the way rdflib's own parsers would have built it."""
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    if datatype == "http://www.w3.org/2001/XMLSchema#string":
        return Literal(term.value)  # rdflib keeps simple literals untyped
    return Literal(term.value, datatype=URIRef(datatype))


def load_graph(
    data: Sequence[str | Path] | None = None, *, include_ontology: bool = True, entailed: bool = False
) -> rdflib.Graph:
    """The selected graph as an ``rdflib.Graph`` (the model API for Python users and for pySHACL).

    The asserted graph by default (SHACL validates what the data say); ``entailed=True`` adds the closure that the
    query engine sees.
    """
    import rdflib

    from .namespaces import PREFIXES

    files = graph_files(data)
    if not include_ontology:
        files = GraphFiles(ontology=(), data=files.data, shapes=files.shapes)
    graph = rdflib.Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    add = graph.add
    for quad in iter_quads(files):
        add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))  # type: ignore[arg-type]
    if entailed:
        from .entailment import entailed_triples

        for triple in entailed_triples(fill_store(ox.Store(), files)):
            add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))  # type: ignore[arg-type]
    return graph


def load_rdflib_files(paths: Sequence[Path]) -> rdflib.Graph:
    """Parse specific files (shapes, fixtures) into one rdflib Graph with located errors."""
    import rdflib

    graph = rdflib.Graph()
    for path in paths:
        for quad in parse_file(path):
            graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))  # type: ignore[arg-type]
    return graph
