"""Parse the graph's files: into a pyoxigraph store, N-Quads text (for pyshacl-turbo) or an rdflib Graph.

Every file is parsed by pyoxigraph, whose errors carry the file, line and column; :func:`reading` is the one place
that turns them into :class:`~tppo_graph.errors.GraphParseError`. The rdflib Graph is built from the parsed triples,
which is also several times faster than rdflib's own Turtle parser on large graphs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from .errors import GraphParseError
from .namespaces import DATA_GRAPH, ONTOLOGY_GRAPH
from .resources import GraphFiles, graph_files, rdf_format_name

if TYPE_CHECKING:
    import rdflib

__all__ = [
    "fill_store",
    "from_rdflib",
    "iter_quads",
    "load_file",
    "load_graph",
    "load_rdflib_files",
    "load_store",
    "nquads_text",
    "ox_format",
    "parse_file",
    "reading",
    "source",
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
Term = ox.NamedNode | ox.BlankNode | ox.Literal


def ox_format(path: Path) -> ox.RdfFormat:
    """The pyoxigraph format of an RDF file, by its extension."""
    return _OX_FORMATS[rdf_format_name(path)]


def _display(path: Path) -> str:
    """A short name for messages: relative to the working directory when possible."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


#: the longest literal, IRI or other token pyoxigraph's parsers accept (their buffer limit), in bytes
MAX_TOKEN_BYTES = 16 * 1024 * 1024
_BOM = b"\xef\xbb\xbf"
_ENTITY = re.compile(rb"<!ENTITY\b")
_DATASET_FORMATS = (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS)


def source(path: Path) -> dict[str, Any]:
    """What pyoxigraph is given to read ``path`` (``path=`` or ``input=``), after the checks every file passes.

    A UTF-8 byte order mark is dropped (editors on Windows write one; the parsers take it for a character). An
    RDF/XML file that declares entities is refused: the parser expands them, and a kilobyte of nested ones (a
    "billion laughs") asks for gigabytes.
    """
    with reading(path):
        with path.open("rb") as handle:
            head = handle.read(len(_BOM))
        if ox_format(path) == ox.RdfFormat.RDF_XML:
            content = path.read_bytes()
            if m := _ENTITY.search(content):
                line = content.count(b"\n", 0, m.start()) + 1
                raise GraphParseError(
                    _display(path), line, None, "RDF/XML entity declarations (<!ENTITY) are refused: they expand"
                )
        if head == _BOM:
            return {"input": path.read_bytes()[len(_BOM) :]}
    return {"path": path}


def load_file(store: ox.Store, path: Path, graph: ox.NamedNode | ox.DefaultGraph, *, bulk: bool = False) -> None:
    """Load one file into ``graph`` of ``store``; the named graphs of a TriG or N-Quads file are merged into it too
    (the data's graph is their union: what queries, ``export`` and ``load`` all see)."""
    fmt = ox_format(path)
    with reading(path):
        if fmt in _DATASET_FORMATS:
            quads = ox.parse(**source(path), format=fmt, rename_blank_nodes=True)  # per file, as Store.load does
            store.extend(ox.Quad(q.subject, q.predicate, q.object, graph) for q in quads)
        elif bulk:
            store.bulk_load(**source(path), format=fmt, to_graph=graph)
        else:
            store.load(**source(path), format=fmt, to_graph=graph)


@contextmanager
def reading(path: Path) -> Iterator[None]:
    """Turn a parse or read failure of ``path`` inside the block into one :class:`GraphParseError`."""
    try:
        yield
    except MemoryError:  # pyoxigraph's buffer limit, raised as MemoryError: a token too long, not a full memory
        limit = f"{MAX_TOKEN_BYTES // (1024 * 1024)} MiB"
        raise GraphParseError(
            _display(path), None, None, f"a literal, IRI or other token is longer than {limit} (the parser's limit)"
        ) from None
    except SyntaxError as exc:
        # pyoxigraph reports "Parser error between line L column C and ...: message"; keep the message only.
        message = str(exc.msg if exc.msg else exc)
        if ": " in message and message.startswith("Parser error"):
            message = message.split(": ", 1)[1]
        raise GraphParseError(_display(path), exc.lineno, exc.offset, message) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GraphParseError(_display(path), None, None, f"cannot read: {exc}") from None


def parse_file(path: Path, *, rename_blank_nodes: bool = False) -> Iterator[ox.Quad]:
    """Parse one RDF file; a syntax error becomes :class:`GraphParseError` naming ``file:line:column``."""
    with reading(path):
        # Materialised so that a syntax error is raised here, before the caller has used any triple.
        quads = list(ox.parse(**source(path), format=ox_format(path), rename_blank_nodes=rename_blank_nodes))
    return iter(quads)


def iter_quads(files: GraphFiles, *, named_graphs: bool = False) -> Iterator[ox.Quad]:
    """All quads of the selection; with ``named_graphs`` the ontology and data land in their own graphs."""
    for group, graph_iri in ((files.ontology, ONTOLOGY_GRAPH), (files.data, DATA_GRAPH)):
        target: ox.NamedNode | ox.DefaultGraph = ox.NamedNode(graph_iri) if named_graphs else ox.DefaultGraph()
        for path in group:
            for quad in parse_file(path):
                yield ox.Quad(quad.subject, quad.predicate, quad.object, target)


def fill_store(store: ox.Store, files: GraphFiles, *, named_graphs: bool = False, entailed: bool = False) -> ox.Store:
    """Load the ontology and data files into ``store`` (optionally into their two named graphs), in Rust.

    With ``entailed`` the RDFS/SKOS closure of :mod:`tppo_graph.entailment` is added too (into its own named graph
    when ``named_graphs``).
    """
    for group, graph_iri in ((files.ontology, ONTOLOGY_GRAPH), (files.data, DATA_GRAPH)):
        target = ox.NamedNode(graph_iri) if named_graphs else ox.DefaultGraph()
        for path in group:
            load_file(store, path, target)
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
        quads: Iterator[ox.Quad] = parse_file(path, rename_blank_nodes=True)
        if ox_format(path) not in _TRIPLE_FORMATS:  # named graphs merge into the default graph, as in load_store
            quads = (ox.Quad(q.subject, q.predicate, q.object) for q in quads)
        parts.append((ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"").decode("utf-8"))
    text = "".join(parts)
    # one statement per line (the serializer escapes newlines in literals); hashes keep the count cheap in memory
    return text, len(set(map(hash, text.splitlines())))


def _selection(data: Sequence[str | Path] | None, include_ontology: bool) -> GraphFiles:
    files = graph_files(data)
    return files if include_ontology else GraphFiles(ontology=(), data=files.data, shapes=files.shapes)


def load_store(
    data: Sequence[str | Path] | None = None,
    *,
    include_ontology: bool = True,
    named_graphs: bool = False,
    entailed: bool = True,
) -> ox.Store:
    """An in-memory pyoxigraph store with the ontology (unless excluded) and the selected data.

    Like the query engine's store it holds the entailed triples (class and property hierarchy, status groups) unless
    ``entailed=False``, which gives the asserted graph only (what ``describe`` counts and ``export`` writes by
    default). Queries go through :func:`tppo_graph.connect`, which reuses the on-disk store cache; this is for code
    that wants a fresh store of its own.
    """
    return fill_store(ox.Store(), _selection(data, include_ontology), named_graphs=named_graphs, entailed=entailed)


def to_rdflib(term: Term) -> rdflib.term.Identifier:
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


def from_rdflib(term: object) -> Term | None:
    """Convert one rdflib term (or None, an unbound variable) to pyoxigraph."""
    from rdflib import BNode, Literal, URIRef

    if term is None:
        return None
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if not isinstance(term, Literal):
        raise TypeError(f"not an RDF term: {term!r}")
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype is not None:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


def _add_all(graph: rdflib.Graph, quads: Iterator[ox.Quad]) -> rdflib.Graph:
    add = graph.add
    for quad in quads:
        if isinstance(quad.subject, ox.Triple):
            raise TypeError("RDF-star triples are not supported by this conversion")
        add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))  # type: ignore[arg-type]
    return graph


def load_graph(
    data: Sequence[str | Path] | None = None, *, include_ontology: bool = True, entailed: bool = False
) -> rdflib.Graph:
    """The selected graph as an ``rdflib.Graph`` (the model API for Python users and for pySHACL).

    The asserted graph by default (SHACL validates what the data say); ``entailed=True`` adds the closure that the
    query engine sees.
    """
    import rdflib

    from .namespaces import PREFIXES

    graph = rdflib.Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    files = _selection(data, include_ontology)
    _add_all(graph, iter_quads(files))
    if entailed:
        from .entailment import entailed_triples

        _add_all(
            graph, (ox.Quad(t.subject, t.predicate, t.object) for t in entailed_triples(fill_store(ox.Store(), files)))
        )
    return graph


def load_rdflib_files(paths: Sequence[Path]) -> rdflib.Graph:
    """Parse specific files (shapes, fixtures) into one rdflib Graph with located errors."""
    import rdflib

    graph = rdflib.Graph()
    for path in paths:
        _add_all(graph, parse_file(path))
    return graph
