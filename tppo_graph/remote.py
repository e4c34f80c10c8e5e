"""SPARQL endpoints: query a remote store (SPARQL 1.1 Protocol, through SPARQLWrapper) and load the graph into it
(SPARQL 1.1 Graph Store HTTP Protocol for the data, SPARQL 1.1 Update for the atomic switch).

A load goes to a fresh staging named graph in chunks; the triples counted there must equal the distinct triples
sent; only then one update request moves (``--replace``) or adds the staging graph into the target graph. A load
that fails at any point leaves the target graph exactly as it was.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import threading
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

from .errors import Interrupted, StoreError, StoreTimeout, UsageError
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
        raise StoreTimeout(f"{what}: no answer within {timeout:g} s (timeout)") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise StoreTimeout(f"{what}: no answer within {timeout:g} s (timeout)") from None
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


#: seconds allowed for each request that finds out or repairs the state after an interrupt or a timeout
SETTLE_TIMEOUT = 30.0


def _signum(exc: BaseException) -> int:
    return exc.signum if isinstance(exc, Interrupted) else signal.SIGINT


class _Abandoned(Exception):
    """A second interrupt arrived while a request was still in flight: the caller gives up waiting for it."""

    def __init__(self, signum: int) -> None:
        self.signum = signum


class _Requests:
    """Sends a load's requests one at a time and never leaves one in flight unnoticed.

    Each request runs in a worker thread while this (the main) thread waits, so that an interrupt (Ctrl-C, or
    SIGTERM turned into :class:`Interrupted` by the CLI) does not abandon a request the store is still working
    on: the first interrupt is remembered and the answer of the request in flight is awaited (each request has its
    own timeout); only then does :meth:`run` raise, and only then may the caller clean up. A clean-up sent while a
    request is in flight can overtake it on another connection (a ``DROP`` of the staging graph reaching the store
    before the ``MOVE`` that needs it), so it is never sent before. A second interrupt abandons the wait
    (:class:`_Abandoned`).
    """

    def __init__(self, notice: Callable[[str], None] | None) -> None:
        self.notice = notice
        self.interrupted: int | None = None  # the signal that arrived while a request was in flight
        self.answer: dict[str, Any] = {}  # what that request gave ("value" or "error"), once it came

    def run(self, call: Callable[[], Any], what: str) -> Any:
        box: dict[str, Any] = {}
        # An Event, not Thread.join: a KeyboardInterrupt inside join() can leave the thread marked as ended
        # while it still runs (CPython before 3.13).
        done = threading.Event()

        def work() -> None:
            try:
                box["value"] = call()
            except Exception as exc:  # noqa: BLE001 - re-raised in the main thread by run()
                box["error"] = exc
            finally:
                done.set()

        threading.Thread(target=work, name=f"tppo-graph {what}", daemon=True).start()
        while not done.is_set():
            try:
                done.wait(0.05)
            except (KeyboardInterrupt, Interrupted) as exc:
                if self.interrupted is not None:
                    raise _Abandoned(self.interrupted) from None
                self.interrupted = _signum(exc)
                if self.notice is not None:
                    self.notice(f"interrupted: waiting for the answer to {what} (interrupt again to abandon it)")
        if self.interrupted is not None:
            self.answer = box
            raise Interrupted(self.interrupted)
        if "error" in box:
            raise box["error"]
        return box.get("value")


def _await_switch(
    endpoints: Endpoints,
    staging_graph: str,
    graph: str | None,
    credentials: Credentials | None,
    window: float,
) -> tuple[bool | None, int | None]:
    """After a switch whose answer did not come (a timeout, an abandoned wait): has it happened? How big is the target?

    Nothing is sent that could race the switch still in flight (a ``DROP`` of the staging graph could run while the
    store executes the ``MOVE``, and stores differ in how they isolate the two). Only the switch removes the staging
    graph, so the store is watched for up to ``window`` seconds: once the staging graph is gone, the switch has been
    carried out; while it is there, the switch has not happened yet, and may still. Returns (True: carried out,
    None: not known yet, the triples in the target or None).
    """
    deadline = time.monotonic() + window
    switched: bool | None = None
    while True:
        try:
            if not _exists(endpoints, staging_graph, credentials, SETTLE_TIMEOUT):
                switched = True
                break
        except StoreError:
            pass
        if time.monotonic() >= deadline:
            break
        time.sleep(0.25)
    try:
        count = _count(endpoints, graph, credentials, SETTLE_TIMEOUT)
    except StoreError:
        count = None
    return switched, count


def _exists(endpoints: Endpoints, graph: str, credentials: Credentials | None, timeout: float) -> bool:
    body = _request(
        endpoints.query,
        data=urllib.parse.urlencode({"query": f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"}).encode("utf-8"),
        content_type="application/x-www-form-urlencoded",
        accept="application/sparql-results+json",
        credentials=credentials,
        timeout=timeout,
        what="checking the staging graph",
    )
    return bool(json.loads(body)["boolean"])


def _switch_outcome(switched: bool | None, count: int | None, before: int, target: str, staging_graph: str) -> str:
    """What a switch whose answer was lost has done: carried out (True) or not known yet (None)."""
    held = f"; it holds {count:,} triples" if count is not None else ""
    if switched:
        return f"the switch was carried out: {target} holds the new graph{held}"
    return (
        f"the switch had not happened when the load stopped, and the store may still carry it out: {target} holds "
        f"the new graph once <{staging_graph}> is gone, else its {before:,} triples as before{held}; the staging "
        f"graph is left in place for the switch (drop it with DROP SILENT GRAPH <{staging_graph}> if it stays)"
    )


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
    notice: Callable[[str], None] | None = None,
) -> LoadSummary:
    """Upload the whole graph (ontology + data) into a store.

    By default atomically: the chunks go to a fresh staging named graph, its triple count must equal the distinct
    triples sent, and one SPARQL Update moves (``replace``) or adds it into the target, so a failure at any point
    leaves the target graph as it was. ``staging=False`` writes straight into the target (after dropping it when
    ``replace``): several times faster on large graphs, but a failed load leaves the target partly written.

    An interrupt (``KeyboardInterrupt``, or :class:`~tppo_graph.errors.Interrupted` for SIGTERM) waits for the
    answer to the request in flight, then cleans up and raises :class:`~tppo_graph.errors.Interrupted` with a
    message that says what state the target is in; a second interrupt stops waiting. A switch whose answer does
    not come (timeout, abandoned) is watched in the store (never raced by a clean-up), and the error says what is known.

    :param endpoint: the store's SPARQL query URL; update and Graph Store URLs are derived (see
        :func:`endpoints_for`) unless given.
    :param graph: the target named graph; ``None`` loads into the default graph.
    :param progress: called after each chunk with (triples sent so far, 0).
    :param notice: called with a one-line message when an interrupt makes the load wait for a request in flight.
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
    shown = f"<{graph}>" if graph else "the default graph"
    start = time.perf_counter()
    seen: set[int] = set()  # hashes of the triples sent: the store counts each distinct triple once
    sent = chunks = 0
    requests = _Requests(notice)
    before = 0  # the target's triples before the load, once counted
    phase = "before"  # before | upload | switch | after: what a failure or an interrupt can have changed

    def drop_staging() -> str:
        """Drop the staging graph (nothing is in flight when this is called); say how it went."""
        try:
            _update(
                endpoints, f"DROP SILENT GRAPH <{staging_graph}>", credentials, SETTLE_TIMEOUT, "dropping the staging"
            )
        except StoreError as exc:
            return f"; the staging graph <{staging_graph}> could not be dropped ({exc})"
        return "; the staging graph was dropped"

    try:
        # Fail early, before anything is written, if the store cannot be reached or refuses our credentials.
        headers: dict[str, str] = {}
        before = requests.run(lambda: _count(endpoints, graph, credentials, timeout, headers), "the first count")
        bulk = headers.get("server", "").lower().startswith("oxigraph")
        if not staging and replace:
            phase = "upload"
            clear = f"DROP SILENT {target}" if graph else "CLEAR DEFAULT"
            requests.run(lambda: _update(endpoints, clear, credentials, timeout, "clearing the target"), "the clear")
            before = 0
        url = _upload_url(endpoints, upload_graph, bulk)
        for chunk in _chunks(files, chunk_size):
            lines = [str(t) for t in chunk]  # N-Triples terms; with " .\n" each is an N-Triples line
            payload = (" .\n".join(lines) + " .\n").encode("utf-8")
            for triple, line in zip(chunk, lines, strict=True):
                # A store renames blank nodes per request, so a blank-node triple is distinct per chunk.
                bnode = isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode)
                seen.add(hash((chunks, line)) if bnode else hash(line))
            phase = "upload"
            what = f"uploading chunk {chunks + 1}"
            requests.run(
                lambda what=what, payload=payload: _request(
                    url,
                    data=payload,
                    content_type="application/n-triples",
                    credentials=credentials,
                    timeout=timeout,
                    what=what,
                ),
                f"chunk {chunks + 1}",
            )
            sent += len(chunk)
            chunks += 1
            if progress is not None:
                progress(sent, 0)
        if staging_graph is None:
            staged = after = requests.run(lambda: _count(endpoints, graph, credentials, timeout), "the count")
            if after < len(seen):
                raise StoreError(f"the target graph holds {after} triples but {len(seen)} distinct triples were sent")
        else:
            staged = requests.run(lambda: _count(endpoints, staging_graph, credentials, timeout), "the staged count")
            if staged != len(seen):
                raise StoreError(
                    f"the store holds {staged} triples in the staging graph but {len(seen)} distinct triples were "
                    "sent; the target graph was not changed"
                )
            # Not SILENT: should the staging graph be gone by the time the store runs the switch, the switch fails
            # and changes nothing (a SILENT MOVE of a missing graph empties the target).
            switch = (
                f"MOVE GRAPH <{staging_graph}> TO {target}"
                if replace
                else f"ADD GRAPH <{staging_graph}> TO {target} ; DROP GRAPH <{staging_graph}>"
            )
            phase = "switch"
            requests.run(
                lambda: _update(endpoints, switch, credentials, timeout, "switching the staged graph in"), "the switch"
            )
            phase = "after"
            after = requests.run(lambda: _count(endpoints, graph, credentials, timeout), "the last count")
            expected_min = staged if replace else max(before, staged)
            if after < expected_min:
                raise StoreError(
                    f"after the switch the target graph holds {after} triples, fewer than the {staged} loaded"
                )
    except (KeyboardInterrupt, Interrupted, _Abandoned) as exc:
        signum = exc.signum if isinstance(exc, (Interrupted, _Abandoned)) else signal.SIGINT
        abandoned = isinstance(exc, _Abandoned)
        raise _interrupted(
            signum,
            abandoned,
            phase,
            shown,
            staging_graph,
            chunks,
            drop_staging,
            endpoints,
            graph,
            credentials,
            requests.answer,
            before,
        ) from None
    except StoreError as exc:
        if phase == "upload" and staging_graph is not None:
            raise StoreError(f"{exc}{drop_staging()}") from None
        if phase == "switch" and staging_graph is not None:
            if isinstance(exc, StoreTimeout):  # the store may still be at it: watch, do not race it
                switched, count = _await_switch(endpoints, staging_graph, graph, credentials, SETTLE_TIMEOUT)
                raise StoreError(f"{exc}; {_switch_outcome(switched, count, before, shown, staging_graph)}") from None
            # the store answered: a non-SILENT switch that failed changed nothing
            raise StoreError(f"{exc}; {shown} was not changed{drop_staging()}") from None
        raise
    except Exception:  # a data file that fails to parse half-way, say: nothing is in flight, drop what was staged
        if phase == "upload" and staging_graph is not None:
            drop_staging()
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


def _interrupted(
    signum: int,
    abandoned: bool,
    phase: str,
    shown: str,
    staging_graph: str | None,
    chunks: int,
    drop_staging: Callable[[], str],
    endpoints: Endpoints,
    graph: str | None,
    credentials: Credentials | None,
    answer: dict[str, Any],
    before: int,
) -> Interrupted:
    """The error for a load stopped by a signal in ``phase``, after whatever clean-up is safe there.

    ``answer`` is what the request in flight gave when the interrupt waited for it (empty when abandoned).
    """
    name = "SIGTERM" if signum == signal.SIGTERM else "SIGINT" if signum == signal.SIGINT else f"signal {signum}"
    head = f"load interrupted ({name})"
    if phase == "before":
        return Interrupted(signum, f"{head} before anything was written: {shown} was not changed")
    if staging_graph is None:  # --no-staging: not atomic by choice
        return Interrupted(signum, f"{head} after {chunks} chunks: {shown} is partly written (--no-staging)")
    if phase == "upload":
        if abandoned:  # the chunk in flight may still arrive: a drop now could be overtaken by it
            return Interrupted(
                signum,
                f"{head} with chunk {chunks + 1} in flight: {shown} was not changed; the staging graph "
                f"<{staging_graph}> may be left behind (DROP SILENT GRAPH <{staging_graph}>)",
            )
        return Interrupted(
            signum, f"{head} while uploading chunk {chunks + 1}: {shown} was not changed{drop_staging()}"
        )
    if phase == "switch":
        if abandoned:  # the switch is still in flight: look once, send nothing that could race it
            switched, count = _await_switch(endpoints, staging_graph, graph, credentials, 0.0)
            outcome = _switch_outcome(switched, count, before, shown, staging_graph)
        elif "error" in answer:  # the store answered that the switch failed: being non-SILENT, it changed nothing
            outcome = f"the switch failed ({answer['error']}): {shown} was not changed{drop_staging()}"
            switched = False
        else:  # the store answered that the switch succeeded
            switched = True
            try:
                count: int | None = _count(endpoints, graph, credentials, SETTLE_TIMEOUT)
            except StoreError:
                count = None
            outcome = _switch_outcome(True, count, before, shown, staging_graph)
        return Interrupted(signum, f"{head} during the switch: {outcome}", completed=bool(switched))
    return Interrupted(
        signum, f"{head} after the switch: the load is complete, {shown} holds the new graph", completed=True
    )
