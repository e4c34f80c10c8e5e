"""Load the graph into a SPARQL store, atomically, by one of three routes (``auto`` picks one per store).

- ``put``: the whole graph in one Graph Store Protocol request (``PUT`` with ``replace``, ``POST`` to add); atomic
  only where the store runs such a request as one transaction, which the protocol does not require: Oxigraph does
  (tested: a body malformed half-way leaves the graph as it was), Virtuoso 7.2.5 does not (it keeps what it parsed
  before the error). The target's count is checked afterwards.
- ``staging``: Graph Store uploads in chunks into a fresh staging named graph, whose count must equal the distinct
  triples sent; only then one SPARQL Update moves (``replace``) or adds it into the target. Atomic wherever an
  update request is (SPARQL 1.1 Update: each request SHOULD be treated atomically).
- ``direct``: chunks straight into the target (not atomic; the fastest on Oxigraph, by its bulk loader).

``auto`` (the default) takes ``put`` on Oxigraph, known by its ``Server`` header, where it is the fastest atomic
route, and ``staging`` on every other store.

A load by an atomic route that fails at any point leaves the target graph exactly as it was. Every request goes
through :class:`tppo_graph.transport.Transport`, one at a time (:class:`~tppo_graph.inflight.Requests`).
"""

from __future__ import annotations

import contextlib
import mmap
import signal
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .chunking import chunk_triples
from .errors import Interrupted, InvalidOption, StoreError, StoreTimeout
from .guard import graph_iri
from .inflight import Abandoned, Requests
from .load_state import (
    NOT_ONE_TRANSACTION,
    SETTLE_TIMEOUT,
    await_put,
    await_switch,
    count_triples,
    interrupted,
    put_outcome,
    switch_outcome,
)
from .namespaces import BASE
from .resources import GraphFiles, graph_files
from .transport import Credentials, Endpoints, Transport, add_params, endpoints_for, safe_url

__all__ = ["DEFAULT_CHUNK", "ROUTES", "LoadSummary", "load_into"]

#: triples per Graph Store Protocol request (routes ``staging`` and ``direct``)
DEFAULT_CHUNK = 50_000
#: seconds to wait for each request of a load
DEFAULT_LOAD_TIMEOUT = 300.0
#: where staging graphs are minted (one per load, dropped afterwards)
STAGING_BASE = BASE + "graph/staging/"
#: the ways into a store: the fastest atomic one for the store, one transactional request, staging + switch,
#: straight in (not atomic)
ROUTES = ("auto", "put", "staging", "direct")


@dataclass
class LoadSummary:
    """What a load did. ``graph`` is the target named graph, or None for the default graph; ``triples_staged`` is
    the staging graph's count (route ``staging``), else the target's."""

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
    route: str = "put"

    @property
    def triples_per_second(self) -> float:
        """Upload throughput of the whole load."""
        return self.triples_sent / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict[str, Any]:
        """The summary as plain data (JSON-ready)."""
        return {**self.__dict__, "triples_per_second": round(self.triples_per_second, 1)}


def _update(transport: Transport, endpoints: Endpoints, text: str, what: str) -> None:
    transport.update(endpoints.update, text, what=what)


def _upload_url(endpoints: Endpoints, graph: str | None, bulk: bool) -> str:
    params = {"graph": graph} if graph else {"default": ""}
    url = add_params(endpoints.store, urllib.parse.urlencode(params))
    # Oxigraph's own flag: write with its bulk loader (no per-request transaction). Only ever used for a staging
    # graph nobody reads, or with the direct route, where the user gave up atomicity.
    return url + "&no_transaction" if bulk else url


def _payloads(source: ox.Store, chunk_size: int, seen: set[int]) -> Iterator[tuple[int, bytes]]:
    """The graph as N-Triples chunks (triples, bytes), every blank node skolemised to its stable IRI (see chunking:
    a second load of the same graph adds nothing); the hash of each triple sent goes into ``seen``."""
    for chunk in chunk_triples(source, chunk_size, skolem=True):
        lines = [str(t) for t in chunk]  # N-Triples terms; with " .\n" each is an N-Triples line
        seen.update(map(hash, lines))
        yield len(chunk), (" .\n".join(lines) + " .\n").encode("utf-8")


@contextlib.contextmanager
def _one_body(source: ox.Store, chunk_size: int, seen: set[int]) -> Iterator[memoryview]:
    """The whole graph as one N-Triples body, skolemised, in an unlinked temporary file mapped into memory: the
    pages are the file's, not the heap's, and a body that must be sent again (a fresh digest challenge) is."""
    with tempfile.TemporaryFile(prefix="tppo-graph-load-") as spool:
        for _, payload in _payloads(source, chunk_size, seen):
            spool.write(payload)
        spool.flush()
        if spool.tell() == 0:
            yield memoryview(b"")
            return
        with mmap.mmap(spool.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            view = memoryview(mapped)
            try:
                yield view
            finally:
                view.release()


def _fresh() -> str:
    return f"{STAGING_BASE}{uuid.uuid4()}"


def _switch(staging_graph: str, target: str, replace: bool, guarded: bool) -> str:
    """The one update that switches the staged graph in (``target``: ``GRAPH <iri>`` or ``DEFAULT``).

    Not SILENT: should the staging graph be gone by the time the store runs the switch, the switch fails and
    changes nothing (a SILENT MOVE of a missing graph empties the target). Virtuoso (``guarded``) runs even a
    non-SILENT MOVE or ADD of a missing graph as a success (the MOVE emptying the target), but refuses a non-SILENT
    DROP of a graph that was not created explicitly, and runs one request as one transaction: there the staging
    graph is created by the load, and the switch ends with its DROP, which undoes the whole switch when it is gone.
    """
    if not guarded:
        return (
            f"MOVE GRAPH <{staging_graph}> TO {target}"
            if replace
            else f"ADD GRAPH <{staging_graph}> TO {target} ; DROP GRAPH <{staging_graph}>"
        )
    clear = f"CLEAR SILENT {target} ; " if replace else ""
    return f"{clear}ADD GRAPH <{staging_graph}> TO {target} ; DROP GRAPH <{staging_graph}>"


def _graph_store(files: GraphFiles) -> ox.Store:
    """One in-memory store with every file and the entailed closure, in its default graph: what is uploaded."""
    from .parsing import fill_store

    return fill_store(ox.Store(), files, entailed=True)


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
    timeout: float = DEFAULT_LOAD_TIMEOUT,
    route: str = "auto",
    progress: Callable[[int, int], None] | None = None,
    notice: Callable[[str], None] | None = None,
) -> LoadSummary:
    """Upload the whole graph (ontology + data, with its entailed closure) into a store.

    ``route`` (see the module): ``auto``, the fastest atomic route for the store (``put`` on Oxigraph, else
    ``staging``); ``put``, one Graph Store request, atomic where the store runs it as one transaction; ``staging``,
    chunks into a staging graph counted before one SPARQL Update switches it in; ``direct``, chunks straight into
    the target (after dropping it when ``replace``), not atomic. By an atomic route a failure at any point leaves
    the target graph as it was.

    An interrupt (``KeyboardInterrupt``, or :class:`~tppo_graph.errors.Interrupted` for SIGTERM) waits for the
    answer to the request in flight, then cleans up and raises :class:`~tppo_graph.errors.Interrupted` with a
    message that says what state the target is in; a second interrupt stops waiting. A switch or an upload whose
    answer does not come (timeout, abandoned) is watched in the store, by reads alone; the error says what is known.

    :param endpoint: the store's SPARQL query URL; update and Graph Store URLs are derived (see
        :func:`endpoints_for`) unless given.
    :param graph: the target named graph; ``None`` loads into the default graph.
    :param chunk_size: triples per request of the chunked routes (and per block of the single request's body).
    :param progress: called after each request that carries triples with (triples sent so far, 0).
    :param notice: called with a one-line message when an interrupt makes the load wait for a request in flight.
    """
    if chunk_size < 1:
        raise InvalidOption("chunk_size", "chunk size", f"{chunk_size}: must be at least 1")
    if route not in ROUTES:
        raise InvalidOption("route", "load route", f"{route!r}: choose one of {', '.join(ROUTES)}")
    endpoints = endpoints_for(endpoint, update_endpoint, store_endpoint)
    transport = Transport(credentials=credentials, timeout=timeout)
    settle = Transport(credentials=credentials, timeout=SETTLE_TIMEOUT)
    target_iri = None if graph is None else graph_iri(graph)  # an IRI term, never pasted text
    selection = graph_files(data)
    # ENTAILMENT HOOK (#10): the closure travels with the graph, so that queries against the loaded store see
    # what the embedded engine sees; both come from one store, so their blank nodes are the same nodes
    source = _graph_store(selection)
    staging_graph: str | None = None  # once the route is known
    target = f"GRAPH {target_iri}" if target_iri is not None else "DEFAULT"
    shown = str(target_iri) if target_iri is not None else "the default graph"
    start = time.perf_counter()
    seen: set[int] = set()  # hashes of the triples sent: the store counts each distinct triple once
    sent = chunks = 0
    requests = Requests(notice)
    before = 0  # the target's triples before the load, once counted
    phase = "before"  # before | upload | put | switch | after: what a failure or an interrupt can have changed
    oxigraph = False  # the store is Oxigraph, once its first answer says so

    def drop_staging() -> str:
        """Drop the staging graph (nothing is in flight when this is called); say how it went."""
        try:
            _update(settle, endpoints, f"DROP SILENT GRAPH <{staging_graph}>", "dropping the staging")
        except StoreError as exc:
            return f"; the staging graph <{staging_graph}> could not be dropped ({exc})"
        return "; the staging graph was dropped"

    def expected() -> int:
        """The target's count once the new graph is in, as far as it is known."""
        return len(seen) if replace or not before else 0

    try:
        # Fail early, before anything is written, if the store cannot be reached or refuses our credentials.
        server: list[str] = []
        before = requests.run(lambda: count_triples(transport, endpoints, graph, server=server), "the first count")
        # Oxigraph, by its Server header: its bulk loader for the chunked routes, and one transaction per request
        oxigraph = bool(server) and server[0].startswith("oxigraph")
        if route == "auto":
            route = "put" if oxigraph else "staging"
        if route == "staging":
            staging_graph = _fresh()
        # Virtuoso, by its Server header or its update URL (a proxy may hide the header): see _switch
        virtuoso_url = urllib.parse.urlsplit(endpoints.update).path.endswith("/sparql-auth")
        guarded = (bool(server) and server[0].startswith("virtuoso")) or virtuoso_url
        # ... and the update endpoint (queries may be open where updates are not; a digest challenge is met here,
        # not by a large upload): the staging graph is created (explicitly, as the switch's last DROP needs on
        # Virtuoso), or a no-op without one
        probe = f"CREATE GRAPH <{staging_graph}>" if staging_graph else f"DROP SILENT GRAPH <{_fresh()}>"
        requests.run(lambda: _update(transport, endpoints, probe, "checking the update endpoint"), "the check")
        if route == "put":
            with _one_body(source, chunk_size, seen) as body:
                put = partial(
                    transport.upload,
                    _upload_url(endpoints, graph, bulk=False),  # one transaction: never Oxigraph's bulk flag
                    body,
                    "application/n-triples",
                    what="uploading the graph",
                    replace=replace,
                )
                phase = "put"
                requests.run(put, "the upload")
            sent, chunks = len(seen), 1
            if progress is not None:
                progress(sent, 0)
            phase = "after"
            staged = after = requests.run(lambda: count_triples(transport, endpoints, graph), "the count")
            if after < len(seen) or (replace and after != len(seen)):
                raise StoreError(
                    f"after the upload the target graph holds {after} triples, but {len(seen)} distinct triples "
                    "were sent: the store did not keep the graph as it was sent"
                )
        else:
            if route == "direct" and replace:
                phase = "upload"
                clear = f"DROP SILENT {target}" if graph else "CLEAR DEFAULT"
                requests.run(lambda: _update(transport, endpoints, clear, "clearing the target"), "the clear")
                before = 0
            url = _upload_url(endpoints, staging_graph if staging_graph else graph, oxigraph)
            for size, payload in _payloads(source, chunk_size, seen):
                phase = "upload"
                what = f"uploading chunk {chunks + 1}"
                requests.run(
                    partial(transport.upload, url, payload, "application/n-triples", what=what), f"chunk {chunks + 1}"
                )
                sent += size
                chunks += 1
                if progress is not None:
                    progress(sent, 0)
            if staging_graph is None:
                staged = after = requests.run(lambda: count_triples(transport, endpoints, graph), "the count")
                if after < len(seen):
                    raise StoreError(
                        f"the target graph holds {after} triples but {len(seen)} distinct triples were sent"
                    )
            else:
                staged = requests.run(lambda: count_triples(transport, endpoints, staging_graph), "the staged count")
                if staged != len(seen):
                    raise StoreError(
                        f"the store holds {staged} triples in the staging graph but {len(seen)} distinct triples "
                        "were sent; the target graph was not changed"
                    )
                switch = _switch(staging_graph, target, replace, guarded)
                phase = "switch"
                requests.run(
                    lambda: _update(transport, endpoints, switch, "switching the staged graph in"), "the switch"
                )
                phase = "after"
                after = requests.run(lambda: count_triples(transport, endpoints, graph), "the last count")
                expected_min = staged if replace else max(before, staged)
                if after < expected_min:
                    raise StoreError(
                        f"after the switch the target graph holds {after} triples, fewer than the {staged} loaded"
                    )
    except (KeyboardInterrupt, Interrupted, Abandoned) as exc:
        signum = exc.signum if isinstance(exc, (Interrupted, Abandoned)) else signal.SIGINT
        raise interrupted(
            signum,
            isinstance(exc, Abandoned),
            phase,
            shown,
            route,
            staging_graph,
            chunks,
            drop_staging,
            settle,
            endpoints,
            graph,
            requests.answer,
            before,
            expected(),
            transactional=oxigraph,  # the single request is one transaction on Oxigraph (tested), on no other store known
        ) from None
    except StoreError as exc:
        if phase == "put":
            if isinstance(exc, StoreTimeout):  # the store may still commit it: watch by reads alone
                done, count = await_put(settle, endpoints, graph, before, expected(), SETTLE_TIMEOUT)
                raise StoreError(f"{exc}; {put_outcome(done, count, before, shown, oxigraph)}") from None
            if not oxigraph:
                raise StoreError(f"{exc}; {NOT_ONE_TRANSACTION.format(target=shown)}") from None
            # the store answered: one transaction that failed kept nothing of it
            raise StoreError(f"{exc}; {shown} was not changed (the upload is one transaction)") from None
        if phase == "upload" and staging_graph is not None:
            raise StoreError(f"{exc}{drop_staging()}") from None
        if phase == "switch" and staging_graph is not None:
            if isinstance(exc, StoreTimeout):  # the store may still be at it: watch, do not race it
                switched, count = await_switch(settle, endpoints, staging_graph, graph, SETTLE_TIMEOUT)
                raise StoreError(f"{exc}; {switch_outcome(switched, count, before, shown, staging_graph)}") from None
            # the store answered: a non-SILENT switch that failed changed nothing
            raise StoreError(f"{exc}; {shown} was not changed{drop_staging()}") from None
        raise
    except Exception:  # a data file that fails to parse half-way, say: nothing is in flight, drop what was staged
        if phase == "upload" and staging_graph is not None:
            drop_staging()
        raise
    return LoadSummary(
        endpoint=safe_url(endpoints.query),
        graph=graph,
        replaced=replace,
        files=len(selection.graph),
        triples_sent=sent,
        triples_staged=staged,
        triples_in_target=after,
        chunks=chunks,
        seconds=time.perf_counter() - start,
        atomic=route == "staging" or (route == "put" and oxigraph),
        route=route,
    )
