"""SPARQL endpoints: query a remote store (SPARQL 1.1 Protocol, through SPARQLWrapper) and load the graph into it
(SPARQL 1.1 Graph Store HTTP Protocol for the data, SPARQL 1.1 Update for the atomic switch).

A load goes to a fresh staging named graph in chunks; the triples counted there must equal the distinct triples
sent; only then one update request moves (``--replace``) or adds the staging graph into the target graph. A load
that fails at any point leaves the target graph exactly as it was.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .errors import StoreError, UsageError
from .namespaces import BASE
from .queries import QueryResult, is_ordered, standalone_text, with_values
from .resources import GraphFiles, graph_files

__all__ = ["Credentials", "Endpoints", "LoadSummary", "RemoteEngine", "endpoints_for", "load_into"]

#: default seconds to wait for one query or one upload request
DEFAULT_TIMEOUT = 60.0
#: triples per Graph Store Protocol request
DEFAULT_CHUNK = 50_000
#: where staging graphs are minted (one per load, dropped afterwards)
STAGING_BASE = BASE + "graph/staging/"
#: a query longer than this many bytes is sent by POST (GET URLs have length limits)
POST_THRESHOLD = 1800


@dataclass(frozen=True)
class Credentials:
    """HTTP basic-auth credentials; the password never appears in ``repr``, output or errors."""

    user: str
    password: str = field(repr=False)

    def header(self) -> str:
        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode("ascii")
        return f"Basic {token}"


@dataclass(frozen=True)
class Endpoints:
    """The three URLs of a store: SPARQL query, SPARQL update and Graph Store Protocol."""

    query: str
    update: str
    store: str


def endpoints_for(endpoint: str, update: str | None = None, store: str | None = None) -> Endpoints:
    """Derive update and Graph Store URLs from a query URL, for Oxigraph's and Fuseki's usual layouts.

    ``http://host:7878`` or ``.../query`` (Oxigraph): ``/query``, ``/update``, ``/store``;
    ``.../ds/sparql`` or ``.../ds/query`` on Fuseki (``/ds/update``, ``/ds/data``) when the path has a dataset.
    Explicit ``update`` and ``store`` URLs win.
    """
    parsed = urllib.parse.urlparse(endpoint)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise UsageError(f"--endpoint: {endpoint!r} is not an http(s) URL")
    path = parsed.path.rstrip("/")
    base = endpoint[: len(endpoint) - len(parsed.path)] if parsed.path else endpoint.rstrip("/")
    if path in ("", "/query"):  # Oxigraph
        derived = Endpoints(f"{base}/query", f"{base}/update", f"{base}/store")
    elif path.endswith(("/sparql", "/query")):  # Fuseki: /dataset/sparql
        dataset = path.rsplit("/", 1)[0]
        derived = Endpoints(f"{base}{path}", f"{base}{dataset}/update", f"{base}{dataset}/data")
    else:
        derived = Endpoints(endpoint, f"{endpoint}/update", f"{endpoint}/store")
    return Endpoints(derived.query, update or derived.update, store or derived.store)


def _server_message(exc: urllib.error.HTTPError) -> str:
    try:
        body = exc.read().decode("utf-8", errors="replace")
    except OSError:
        body = ""
    text = " ".join(body.split())[:300]
    return f"HTTP {exc.code} {exc.reason}" + (f": {text}" if text else "")


def _request(
    url: str,
    *,
    data: bytes | None = None,
    content_type: str | None = None,
    accept: str | None = None,
    credentials: Credentials | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    what: str,
    headers_out: dict[str, str] | None = None,
) -> bytes:
    """One HTTP request; every failure becomes a one-line :class:`StoreError` (credentials never shown).

    ``headers_out``, when given, receives the response headers (lower-cased names).
    """
    request = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    if content_type:
        request.add_header("Content-Type", content_type)
    if accept:
        request.add_header("Accept", accept)
    if credentials is not None:
        request.add_header("Authorization", credentials.header())
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            if headers_out is not None:
                headers_out.update({k.lower(): v for k, v in response.headers.items()})
            return bytes(response.read())
    except urllib.error.HTTPError as exc:
        hint = " (check --user and the password variable)" if exc.code in (401, 403) else ""
        raise StoreError(f"{what}: {_server_message(exc)}{hint}") from None
    except TimeoutError:
        raise StoreError(f"{what}: no answer within {timeout:g} s (timeout); nothing was shown as a result") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise StoreError(f"{what}: no answer within {timeout:g} s (timeout)") from None
        raise StoreError(f"{what}: cannot reach {_safe_url(url)}: {reason}") from None
    except (ConnectionError, OSError) as exc:
        raise StoreError(f"{what}: cannot reach {_safe_url(url)}: {exc}") from None


def _safe_url(url: str) -> str:
    """The URL without any user:password part."""
    parsed = urllib.parse.urlparse(url)
    if parsed.password or parsed.username:
        netloc = parsed.hostname or ""
        if parsed.port:
            netloc += f":{parsed.port}"
        parsed = parsed._replace(netloc=netloc)
    return urllib.parse.urlunparse(parsed._replace(query=""))


def _parse_results(body: bytes, what: str) -> QueryResult:
    try:
        parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    except (SyntaxError, ValueError) as exc:
        raise StoreError(f"{what}: the endpoint's answer is not SPARQL JSON results ({exc})") from None
    if isinstance(parsed, ox.QueryBoolean):
        return QueryResult(boolean=bool(parsed), engine="remote")
    variables = [v.value for v in parsed.variables]
    return QueryResult(variables=variables, rows=[{v: s[v] for v in variables} for s in parsed], engine="remote")


@dataclass
class RemoteEngine:
    """A SPARQL 1.1 Protocol endpoint, queried through SPARQLWrapper.

    :param endpoint: the query URL (Oxigraph ``http://host:7878/query``, Fuseki ``http://host:3030/ds/sparql``).
    :param graph: a named graph to use as the default graph of queries (``default-graph-uri``).
    """

    endpoint: str
    graph: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    credentials: Credentials | None = None
    name: str = "remote"

    def select(
        self, text: str, bindings: Mapping[str, ox.NamedNode | ox.Literal] | None = None, *, name: str | None = None
    ) -> QueryResult:
        from SPARQLWrapper import JSON, POST, SPARQLWrapper
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

        full = standalone_text(with_values(text, bindings or {}))
        client = SPARQLWrapper(self.endpoint)
        client.setQuery(full)
        client.setReturnFormat(JSON)
        client.setTimeout(int(max(1, self.timeout)))
        if len(full.encode("utf-8")) > POST_THRESHOLD:
            client.setMethod(POST)
        if self.graph:
            client.addDefaultGraph(self.graph)
        if self.credentials is not None:
            client.setCredentials(self.credentials.user, self.credentials.password)
        what = f"{name or 'query'} at {_safe_url(self.endpoint)}"
        try:
            response = client.query().response
            body = response.read()
        except urllib.error.HTTPError as exc:
            raise StoreError(f"{what}: {_server_message(exc)}") from None
        except SPARQLWrapperException as exc:
            raise StoreError(f"{what}: {_wrapper_message(exc)}") from None
        except TimeoutError:
            raise StoreError(f"{what}: no answer within {self.timeout:g} s (timeout); not an empty result") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise StoreError(
                    f"{what}: no answer within {self.timeout:g} s (timeout); not an empty result"
                ) from None
            raise StoreError(f"{what}: cannot reach the endpoint: {exc.reason}") from None
        except OSError as exc:
            raise StoreError(f"{what}: cannot reach the endpoint: {exc}") from None
        result = _parse_results(body, what)
        result.query = name
        result.ordered = is_ordered(text)
        return result


#: SPARQLWrapper's exception classes and the HTTP status each stands for
_WRAPPER_STATUS = {
    "QueryBadFormed": "HTTP 400 Bad Request",
    "Unauthorized": "HTTP 401 Unauthorized",
    "EndPointNotFound": "HTTP 404 Not Found",
    "URITooLong": "HTTP 414 URI Too Long",
    "EndPointInternalError": "HTTP 500 Internal Server Error",
}


def _wrapper_message(exc: Exception) -> str:
    """SPARQLWrapper's exception as 'HTTP status: the server's own message' on one line."""
    status = _WRAPPER_STATUS.get(type(exc).__name__, type(exc).__name__)
    text = str(exc)
    if "Response:" in text:  # SPARQLWrapper appends the server's body after this marker
        text = text.split("Response:", 1)[1].strip()
        if text.startswith(("b'", 'b"')):
            text = text[2:-1].encode("latin-1", errors="replace").decode("unicode_escape", errors="replace")
    return f"{status}: {' '.join(text.split())[:300]}"


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------


@dataclass
class LoadSummary:
    """What a load did. ``graph`` is the target named graph, or None for the default graph."""

    endpoint: str
    graph: str | None
    replaced: bool
    files: int
    triples_sent: int
    triples_staged: int
    triples_in_target: int
    chunks: int
    seconds: float
    atomic: bool = True

    @property
    def triples_per_second(self) -> float:
        return self.triples_sent / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "triples_per_second": round(self.triples_per_second, 1)}


def _chunks(paths: Sequence[Path], size: int) -> Iterator[list[ox.Triple]]:
    """Stream the files' triples in chunks, never splitting a blank node across two chunks.

    A store gives the blank nodes of each request fresh identities, so all triples that mention one blank node
    must travel together. Turtle and N-Triples writers keep them together; a blank node that comes back after its
    chunk was sent makes the load fail (nothing is switched in) rather than silently split it.
    """
    from .graph import ox_format

    closed: set[str] = set()
    chunk: list[ox.Triple] = []
    open_nodes: set[str] = set()
    for path in paths:
        try:
            for quad in ox.parse(path=path, format=ox_format(path)):
                nodes = {t.value for t in (quad.subject, quad.object) if isinstance(t, ox.BlankNode)}
                if nodes & closed:
                    raise StoreError(
                        f"{path}: blank node _:{next(iter(nodes & closed))} is used far apart in the file; "
                        "it cannot be uploaded in chunks faithfully (give it an IRI)"
                    )
                if len(chunk) >= size and not (nodes & open_nodes):
                    yield chunk
                    closed |= open_nodes
                    chunk, open_nodes = [], set()
                chunk.append(quad.triple)
                open_nodes |= nodes
        except SyntaxError as exc:
            from .graph import _located

            raise _located(path, exc) from None
    if chunk:
        yield chunk


def _count(
    endpoints: Endpoints,
    graph: str | None,
    credentials: Credentials | None,
    timeout: float,
    headers_out: dict[str, str] | None = None,
) -> int:
    pattern = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "?s ?p ?o"
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}"
    body = _request(
        endpoints.query,
        data=urllib.parse.urlencode({"query": query}).encode("utf-8"),
        content_type="application/x-www-form-urlencoded",
        accept="application/sparql-results+json",
        credentials=credentials,
        timeout=timeout,
        what="counting triples in the store",
        headers_out=headers_out,
    )
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def _update(endpoints: Endpoints, text: str, credentials: Credentials | None, timeout: float, what: str) -> None:
    _request(
        endpoints.update,
        data=text.encode("utf-8"),
        content_type="application/sparql-update",
        credentials=credentials,
        timeout=timeout,
        what=what,
    )


def _upload_url(endpoints: Endpoints, graph: str | None, bulk: bool) -> str:
    params = {"graph": graph} if graph else {"default": ""}
    url = f"{endpoints.store}?{urllib.parse.urlencode(params)}"
    # Oxigraph's own flag: write with its bulk loader (no per-request transaction). Only ever used for a staging
    # graph nobody reads, or with --no-staging where the user gave up atomicity.
    return url + "&no_transaction" if bulk else url


def _entailment_file(files: GraphFiles) -> Path:
    """A temporary N-Triples file with the entailed triples of ``files`` (the caller removes it)."""
    import tempfile

    from .entailment import new_triples, ntriples
    from .graph import fill_store

    fd, name = tempfile.mkstemp(prefix="tppo-graph-entailed-", suffix=".nt")
    with os.fdopen(fd, "wb") as handle:
        handle.write(ntriples(new_triples(fill_store(ox.Store(), files))))
    return Path(name)


def load_into(
    endpoint: str,
    *,
    data: Sequence[str | Path] | None = None,
    graph: str | None = None,
    replace: bool = False,
    update_endpoint: str | None = None,
    store_endpoint: str | None = None,
    credentials: Credentials | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    timeout: float = 300.0,
    staging: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> LoadSummary:
    """Upload the whole graph (ontology + data) into a store.

    By default atomically: the chunks go to a fresh staging named graph, its triple count must equal the distinct
    triples sent, and one SPARQL Update moves (``replace``) or adds it into the target, so a failure at any point
    leaves the target graph as it was. ``staging=False`` writes straight into the target (after dropping it when
    ``replace``): several times faster on large graphs, but a failed load leaves the target partly written.

    :param endpoint: the store's SPARQL query URL; update and Graph Store URLs are derived (see
        :func:`endpoints_for`) unless given.
    :param graph: the target named graph; ``None`` loads into the default graph.
    :param progress: called after each chunk with (triples sent so far, 0).
    """
    if chunk_size < 1:
        raise UsageError("--chunk-size: must be at least 1")
    endpoints = endpoints_for(endpoint, update_endpoint, store_endpoint)
    selection = graph_files(data)
    # ENTAILMENT HOOK (#10): the closure travels with the graph, as one more N-Triples file, so that queries
    # against the loaded store see what the embedded engine sees
    entailed_file = _entailment_file(selection)
    files = (*selection.graph, entailed_file)
    staging_graph = f"{STAGING_BASE}{uuid.uuid4()}" if staging else None
    upload_graph = staging_graph if staging else graph
    target = f"GRAPH <{graph}>" if graph else "DEFAULT"
    start = time.perf_counter()
    seen: set[int] = set()  # hashes of the triples sent: the store counts each distinct triple once
    sent = chunks = 0
    staged_written = False
    try:
        # Fail early, before anything is written, if the store cannot be reached or refuses our credentials.
        headers: dict[str, str] = {}
        before = _count(endpoints, graph, credentials, timeout, headers)
        bulk = headers.get("server", "").lower().startswith("oxigraph")
        if not staging and replace:
            _update(
                endpoints,
                f"DROP SILENT {target}" if graph else "CLEAR DEFAULT",
                credentials,
                timeout,
                "clearing the target",
            )
            before = 0
        url = _upload_url(endpoints, upload_graph, bulk)
        for chunk in _chunks(files, chunk_size):
            lines = [str(t) for t in chunk]  # N-Triples terms; with " .\n" each is an N-Triples line
            payload = (" .\n".join(lines) + " .\n").encode("utf-8")
            for triple, line in zip(chunk, lines, strict=True):
                # A store renames blank nodes per request, so a blank-node triple is distinct per chunk.
                bnode = isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode)
                seen.add(hash((chunks, line)) if bnode else hash(line))
            staged_written = staging
            _request(
                url,
                data=payload,
                content_type="application/n-triples",
                credentials=credentials,
                timeout=timeout,
                what=f"uploading chunk {chunks + 1}",
            )
            sent += len(chunk)
            chunks += 1
            if progress is not None:
                progress(sent, 0)
        if staging_graph is None:
            staged = after = _count(endpoints, graph, credentials, timeout)
            if after < len(seen):
                raise StoreError(f"the target graph holds {after} triples but {len(seen)} distinct triples were sent")
        else:
            staged = _count(endpoints, staging_graph, credentials, timeout)
            if staged != len(seen):
                raise StoreError(
                    f"the store holds {staged} triples in the staging graph but {len(seen)} distinct triples were "
                    "sent; the target graph was not changed"
                )
            switch = (
                f"MOVE SILENT GRAPH <{staging_graph}> TO {target}"
                if replace
                else f"ADD SILENT GRAPH <{staging_graph}> TO {target} ; DROP SILENT GRAPH <{staging_graph}>"
            )
            _update(endpoints, switch, credentials, timeout, "switching the staged graph in")
            staged_written = False
            after = _count(endpoints, graph, credentials, timeout)
            expected_min = staged if replace else max(before, staged)
            if after < expected_min:
                raise StoreError(
                    f"after the switch the target graph holds {after} triples, fewer than the {staged} loaded"
                )
    except BaseException:
        if staged_written:  # best effort: the live graph was never touched, but do not leave the staging graph
            with contextlib.suppress(StoreError):
                _update(
                    endpoints, f"DROP SILENT GRAPH <{staging_graph}>", credentials, 30.0, "dropping the staging graph"
                )
        raise
    finally:
        entailed_file.unlink(missing_ok=True)
    return LoadSummary(
        endpoint=_safe_url(endpoints.query),
        graph=graph,
        replaced=replace,
        files=len(selection.graph),
        triples_sent=sent,
        triples_staged=staged,
        triples_in_target=after,
        chunks=chunks,
        seconds=time.perf_counter() - start,
        atomic=staging,
    )
