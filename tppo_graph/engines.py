"""Engines: the one seam between the toolkit and a graph. :func:`connect` gives one; every verb takes one.

- :class:`LocalEngine`: the embedded pyoxigraph store of the selected files, from the on-disk store cache;
- :class:`RdflibEngine`: rdflib's own SPARQL engine over an ``rdflib.Graph`` (slow; the reference for cross-checks);
- :class:`RemoteEngine`: a SPARQL 1.1 Protocol endpoint (Oxigraph, Fuseki, Comunica, GraphDB, ...), through the
  one HTTP layer in :mod:`tppo_graph.transport`.

Every engine runs the same query, :func:`tppo_graph.binding.prepare`: the text with its parameters bound by a
``VALUES`` row and the PREFIX lines it needs (the embedded store takes those prefixes as an argument instead). rdflib, SPARQLWrapper and the HTTP modules are imported only by the
engines that use them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pyoxigraph as ox

from . import log
from .binding import Bindings, long_unicode_escapes, prepare, with_values
from .catalogue import is_ordered
from .errors import InvalidOption, QueryError, QueryTimeout, StoreError
from .guard import check_query, check_timeout, graph_iri, syntax_error
from .namespaces import PREFIXES
from .results import AskResult, GraphResult, QueryResult, SelectResult

if TYPE_CHECKING:
    import rdflib

    from .resources import GraphFiles
    from .transport import Credentials, Transport

__all__ = [
    "DEFAULT_LOCAL_TIMEOUT",
    "DEFAULT_TIMEOUT",
    "Engine",
    "LocalEngine",
    "RdflibEngine",
    "RemoteEngine",
    "connect",
]

#: seconds a remote query may take
DEFAULT_TIMEOUT = 60.0
#: seconds a local query may take (generous: the slowest saved query takes under 0.4 s at a million triples)
DEFAULT_LOCAL_TIMEOUT = 300.0


class Engine(Protocol):
    """Anything that answers SPARQL queries over the graph.

    Implementations subclass this protocol to inherit :meth:`select`.
    """

    #: a short name for reports: ``pyoxigraph``, ``rdflib``, ``remote``
    name: str

    def query(self, text: str, bindings: Bindings | None = None, *, name: str | None = None) -> QueryResult:
        """Run a SPARQL query with ``bindings`` pre-bound (a ``VALUES`` row); ``name`` names it in errors."""
        ...

    def select(self, text: str, bindings: Bindings | None = None, *, name: str | None = None) -> SelectResult:
        """Run a SELECT query; any other form is a :class:`~tppo_graph.errors.QueryError`."""
        result = self.query(text, bindings, name=name)
        if not isinstance(result, SelectResult):
            raise QueryError(f"{name or 'query'}: expected a SELECT query", query=name)
        return result


def _from_pyoxigraph(answer: object, name: str | None, engine: str, ordered: bool) -> QueryResult:
    if isinstance(answer, ox.QueryBoolean):
        return AskResult(bool(answer), query=name, engine=engine)
    if isinstance(answer, ox.QueryTriples):
        return GraphResult(list(answer), query=name, engine=engine)
    assert isinstance(answer, ox.QuerySolutions)
    variables = [v.value for v in answer.variables]
    rows = [{v: solution[v] for v in variables} for solution in answer]
    return SelectResult(variables, rows, query=name, ordered=ordered, engine=engine)


class LocalEngine(Engine):
    """The embedded pyoxigraph store (the fast path).

    :param store: the store to query (from :func:`tppo_graph.store.open_store`, or any pyoxigraph store).
    :param data: the data selection the store holds, when it was built from files (export needs them).
    :param timeout: seconds a query may run (Ctrl-C stops the wait at any time).
    :param allow_service: run ``SERVICE`` clauses (requests to the hosts they name); refused by default.
    """

    name = "pyoxigraph"

    def __init__(
        self,
        store: ox.Store,
        data: Sequence[str | Path] | None = None,
        *,
        timeout: float = DEFAULT_LOCAL_TIMEOUT,
        allow_service: bool = False,
    ) -> None:
        self.store = store
        self.data = data
        self.timeout = check_timeout(timeout)
        self.allow_service = allow_service

    def files(self) -> GraphFiles:
        """The files this engine's store was built from."""
        from .resources import graph_files

        return graph_files(self.data)

    def query(self, text: str, bindings: Bindings | None = None, *, name: str | None = None) -> QueryResult:
        from .inflight import Overdue, bounded

        what = name or "query"
        full = with_values(text, bindings or {})
        code = check_query(full, what=what, allow_service=self.allow_service)
        ordered = is_ordered(text)

        def run() -> QueryResult:
            # The catalogue prefixes go as pyoxigraph's argument rather than PREFIX lines (the same query as
            # prepare() gives): a syntax error then points at the line of the text the user wrote. Store.query
            # runs queries only: an update is a syntax error here.
            answer = self.store.query(full, prefixes=PREFIXES)
            return _from_pyoxigraph(answer, name, self.name, ordered)

        try:
            return bounded(run, self.timeout, what)  # type: ignore[no-any-return]
        except SyntaxError as exc:
            raise syntax_error(exc, code, what) from None
        except (OSError, RuntimeError, ValueError) as exc:  # evaluation failed (a SERVICE that did not answer, ...)
            raise QueryError(f"{what}: the query failed: {' '.join(str(exc).split())}", query=name) from None
        except Overdue:
            raise QueryTimeout(f"{what}: stopped after {self.timeout:g} s (the query time limit, --timeout)") from None


def _triple(triple: Any) -> ox.Triple:
    from .parsing import from_rdflib

    s, p, o = (from_rdflib(t) for t in triple)
    if not isinstance(s, ox.NamedNode | ox.BlankNode) or not isinstance(p, ox.NamedNode) or o is None:
        raise QueryError(f"rdflib returned a triple that is not RDF: {triple!r}")
    return ox.Triple(s, p, o)


class RdflibEngine(Engine):
    """rdflib's own SPARQL engine over an ``rdflib.Graph`` (slow; the reference for cross-checks)."""

    name = "rdflib"

    def __init__(self, graph: rdflib.Graph) -> None:
        self.graph = graph

    def query(self, text: str, bindings: Bindings | None = None, *, name: str | None = None) -> QueryResult:
        from .parsing import from_rdflib

        full = prepare(text, bindings, term_text=lambda t: long_unicode_escapes(str(t)))
        check_query(full, what=name or "query")  # rdflib runs SERVICE too, and recurses as deep as the text
        try:
            answer: Any = self.graph.query(full)  # rdflib's Result: rows, a boolean or triples by its type
        except Exception as exc:  # noqa: BLE001 - rdflib raises pyparsing and other errors; report as query errors
            message = " ".join(str(exc).split())
            raise QueryError(f"{name or 'query'}: rdflib could not run the query: {message}", query=name) from None
        if answer.type == "ASK":
            return AskResult(bool(answer.askAnswer), query=name, engine=self.name)
        if answer.type in ("CONSTRUCT", "DESCRIBE"):
            return GraphResult([_triple(t) for t in answer], query=name, engine=self.name)
        variables = [str(v) for v in answer.vars or []]
        rows = [{v: from_rdflib(row[v]) for v in variables} for row in answer]
        return SelectResult(variables, rows, query=name, ordered=is_ordered(text), engine=self.name)


def _lossy_term(value: str) -> ox.NamedNode | ox.BlankNode | ox.Literal | None:
    # CSV results carry no term types (W3C: "lossy"): an absolute IRI is read as an IRI, the rest as strings.
    import re

    if value == "":
        return None
    if value.startswith("_:"):
        return ox.BlankNode(value[2:])
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+$", value):
        return ox.NamedNode(value)
    return ox.Literal(value)


def _parse_csv(body: bytes, name: str | None) -> SelectResult:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    variables = rows[0] if rows else []
    parsed = [{v: _lossy_term(cell) for v, cell in zip(variables, row, strict=False)} for row in rows[1:]]
    return SelectResult(variables, parsed, query=name, engine="remote")


def _standard_json(body: bytes) -> bytes:
    """SPARQL results JSON with only the members the W3C format defines (Comunica adds a top-level "metadata")."""
    import json

    document = json.loads(body)
    if not isinstance(document, dict):
        raise TypeError("not a JSON object")
    return json.dumps({k: v for k, v in document.items() if k in ("head", "results", "boolean")}).encode("utf-8")


#: the one variable of Virtuoso 7's JSON answer to an ASK: a SELECT result, one row of 1 for true, none for false
VIRTUOSO_ASK = "__ASK_RETVAL"


def read_answer(body: bytes, media_type: str, what: str, name: str | None, ordered: bool) -> QueryResult:
    """A result from the endpoint's answer, by its media type (any W3C result format, or RDF for graphs)."""
    result = _read_answer(body, media_type, what, name, ordered)
    if isinstance(result, SelectResult) and tuple(result.variables) == (VIRTUOSO_ASK,):
        value = result.rows[0].get(VIRTUOSO_ASK) if result.rows else None
        return AskResult(value is not None and value.value not in ("0", "false"), query=name, engine="remote")
    return result


def _read_answer(body: bytes, media_type: str, what: str, name: str | None, ordered: bool) -> QueryResult:
    try:
        if media_type == "text/csv":
            return _parse_csv(body, name)
        try:
            results_format = ox.QueryResultsFormat.from_media_type(media_type)
        except ValueError:
            results_format = None
        if results_format is not None:
            try:  # the parser is lazy: errors come while the rows are read
                return _from_pyoxigraph(ox.parse_query_results(body, format=results_format), name, "remote", ordered)
            except SyntaxError:
                if results_format != ox.QueryResultsFormat.JSON:
                    raise
            parsed = ox.parse_query_results(_standard_json(body), format=results_format)
            return _from_pyoxigraph(parsed, name, "remote", ordered)
        rdf_format = ox.RdfFormat.from_media_type(media_type)
        return GraphResult([q.triple for q in ox.parse(body, format=rdf_format)], query=name, engine="remote")
    except (SyntaxError, ValueError, TypeError) as exc:
        shown = media_type or "no media type"
        raise StoreError(f"{what}: the endpoint's answer ({shown}) is not a SPARQL result ({exc})") from None


class RemoteEngine(Engine):
    """A SPARQL 1.1 Protocol endpoint.

    :param endpoint: the query URL (Oxigraph ``http://host:7878/query``, Fuseki ``http://host:3030/ds/sparql``,
        Comunica ``http://host:3000/sparql``).
    :param graph: a named graph to use as the default graph of queries (``default-graph-uri``).
    :param timeout: seconds to wait for an answer; a timeout is an error, never an empty result.
    """

    name = "remote"

    def __init__(
        self,
        endpoint: str,
        *,
        graph: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        credentials: Credentials | None = None,
    ) -> None:
        from .transport import Transport, endpoints_for, safe_url

        self.endpoint = endpoints_for(endpoint).query  # http://host:7878 -> .../query; other paths as given
        self.graph = None if graph is None else graph_iri(graph).value
        self.transport: Transport = Transport(credentials=credentials, timeout=timeout)
        log.debug("engine: remote endpoint %s", safe_url(self.endpoint))

    def __repr__(self) -> str:
        from .transport import safe_url

        return f"RemoteEngine({safe_url(self.endpoint)!r}, graph={self.graph!r})"

    def query(self, text: str, bindings: Bindings | None = None, *, name: str | None = None) -> QueryResult:
        from .transport import safe_url

        what = f"{name or 'query'} at {safe_url(self.endpoint)}"
        answer = self.transport.query(self.endpoint, prepare(text, bindings), what=what, graph=self.graph)
        return read_answer(answer.body, answer.media_type, what, name, is_ordered(text))


def connect(
    data: Sequence[str | Path] | None = None,
    *,
    endpoint: str | None = None,
    graph: str | None = None,
    credentials: Credentials | None = None,
    timeout: float | None = None,
    allow_service: bool = False,
) -> Engine:
    """The engine for a graph: the selected files (default: the bundled graph, or ``$TPPO_GRAPH_DATA``) in the
    cached embedded store, or a SPARQL endpoint.

    :param data: data files or folders (``"bundled"`` adds the bundled data); the ontology is always included.
    :param endpoint: a SPARQL endpoint's query URL instead of files.
    :param graph: with ``endpoint``: the named graph to query as the default graph.
    :param credentials: with ``endpoint``: HTTP basic-auth credentials.
    :param timeout: seconds each query may take (default :data:`DEFAULT_TIMEOUT` for an endpoint,
        :data:`DEFAULT_LOCAL_TIMEOUT` for files).
    :param allow_service: with files: let queries run ``SERVICE`` clauses (refused by default).
    """
    if endpoint is None:
        for option, value in (("graph", graph), ("credentials", credentials)):
            if value is not None:
                raise InvalidOption(option, option, "only for a remote endpoint")
        from .store import open_store

        local_timeout = check_timeout(DEFAULT_LOCAL_TIMEOUT if timeout is None else timeout)
        return LocalEngine(open_store(data), data, timeout=local_timeout, allow_service=allow_service)
    if data is not None:
        raise InvalidOption("data", "data", "give either data files or an endpoint, not both")
    remote_timeout = DEFAULT_TIMEOUT if timeout is None else timeout
    return RemoteEngine(endpoint, graph=graph, timeout=remote_timeout, credentials=credentials)
