"""Load the graph into a SPARQL store, atomically: Graph Store Protocol uploads into a staging graph, then one
SPARQL Update switches it in.

A load goes to a fresh staging named graph in chunks; the triples counted there must equal the distinct triples
sent; only then one update request moves (``replace``) or adds the staging graph into the target graph. A load
that fails at any point leaves the target graph exactly as it was. Every request goes through
:class:`tppo_graph.transport.Transport`, one at a time (:class:`~tppo_graph.inflight.Requests`).
"""

from __future__ import annotations

import json
import signal
import time
import urllib.parse
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .chunking import chunk_triples
from .errors import Interrupted, InvalidOption, StoreError, StoreTimeout
from .guard import graph_iri
from .inflight import Abandoned, Requests
from .namespaces import BASE
from .resources import GraphFiles, graph_files
from .results import AskResult
from .transport import Credentials, Endpoints, Transport, add_params, endpoints_for, safe_url

__all__ = ["DEFAULT_CHUNK", "LoadSummary", "load_into"]

#: triples per Graph Store Protocol request
DEFAULT_CHUNK = 50_000
#: seconds to wait for each request of a load
DEFAULT_LOAD_TIMEOUT = 300.0
#: where staging graphs are minted (one per load, dropped afterwards)
STAGING_BASE = BASE + "graph/staging/"
_RESULTS_JSON = "application/sparql-results+json"


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
        """Upload throughput of the whole load."""
        return self.triples_sent / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict[str, Any]:
        """The summary as plain data (JSON-ready)."""
        return {**self.__dict__, "triples_per_second": round(self.triples_per_second, 1)}


def _count(transport: Transport, endpoints: Endpoints, graph: str | None, *, server: list[str] | None = None) -> int:
    """The triples in ``graph`` (None: the default graph); ``server`` receives the store's Server header."""
    pattern = f"GRAPH {ox.NamedNode(graph)} {{ ?s ?p ?o }}" if graph else "?s ?p ?o"
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}"
    answer = transport.query(
        endpoints.query, query, what="counting triples in the store", accept=_RESULTS_JSON, post=True
    )
    if server is not None:
        server.append(answer.server)
    return int(_answer_part(answer.body, "counting triples in the store", "results", "bindings", 0, "n", "value"))


def _answer_part(body: bytes, what: str, *path: str | int) -> Any:
    """One member of a SPARQL results JSON answer; an answer without it is a one-line :class:`StoreError`."""
    try:
        value: Any = json.loads(body)
        for step in path:
            value = value[step]
        return int(value) if path[-1] == "value" else value
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        shown = " ".join(body[:80].decode("utf-8", errors="replace").split())
        raise StoreError(
            f"{what}: the store's answer is not the SPARQL result asked for ({exc!r}: {shown!r})"
        ) from None


def _update(transport: Transport, endpoints: Endpoints, text: str, what: str) -> None:
    transport.update(endpoints.update, text, what=what)


def _upload_url(endpoints: Endpoints, graph: str | None, bulk: bool) -> str:
    params = {"graph": graph} if graph else {"default": ""}
    url = add_params(endpoints.store, urllib.parse.urlencode(params))
    # Oxigraph's own flag: write with its bulk loader (no per-request transaction). Only ever used for a staging
    # graph nobody reads, or with --no-staging where the user gave up atomicity.
    return url + "&no_transaction" if bulk else url


#: seconds allowed for each request that finds out or repairs the state after an interrupt or a timeout
SETTLE_TIMEOUT = 30.0


def _await_switch(
    settle: Transport, endpoints: Endpoints, staging_graph: str, graph: str | None, window: float
) -> tuple[bool | None, int | None]:
    """After a switch whose answer did not come (a timeout, an abandoned wait): has it happened? How big is the target?

    Nothing is sent that could race the switch still in flight (a ``DROP`` of the staging graph could run while the
    store executes the ``MOVE``, and stores differ in how they isolate the two: Oxigraph lets both succeed). Only
    the switch removes the staging graph, so the store is watched for up to ``window`` seconds: once the staging
    graph is gone, the switch has been carried out; while it is there, the switch has not happened yet, and may
    still. Returns (True: carried out, None: not known yet; the triples in the target or None).
    """
    deadline = time.monotonic() + window
    switched: bool | None = None
    while True:
        try:
            if not _exists(settle, endpoints, staging_graph):
                switched = True
                break
        except StoreError:
            pass
        if time.monotonic() >= deadline:
            break
        time.sleep(0.25)
    try:
        count = _count(settle, endpoints, graph)
    except StoreError:
        count = None
    return switched, count


def _exists(transport: Transport, endpoints: Endpoints, graph: str) -> bool:
    query = f"ASK {{ GRAPH {ox.NamedNode(graph)} {{ ?s ?p ?o }} }}"
    answer = transport.query(endpoints.query, query, what="checking the staging graph", accept=_RESULTS_JSON, post=True)
    from .engines import read_answer  # Virtuoso answers an ASK in JSON as a SELECT: read_answer knows its form

    result = read_answer(answer.body, answer.media_type or _RESULTS_JSON, "checking the staging graph", None, False)
    if not isinstance(result, AskResult):
        raise StoreError("checking the staging graph: the store's answer is not the boolean asked for")
    return result.boolean


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
    not come (timeout, abandoned) is watched in the store (never raced by a clean-up); the error says what is known.

    :param endpoint: the store's SPARQL query URL; update and Graph Store URLs are derived (see
        :func:`endpoints_for`) unless given.
    :param graph: the target named graph; ``None`` loads into the default graph.
    :param progress: called after each chunk with (triples sent so far, 0).
    :param notice: called with a one-line message when an interrupt makes the load wait for a request in flight.
    """
    if chunk_size < 1:
        raise InvalidOption("chunk_size", "chunk size", f"{chunk_size}: must be at least 1")
    endpoints = endpoints_for(endpoint, update_endpoint, store_endpoint)
    transport = Transport(credentials=credentials, timeout=timeout)
    settle = Transport(credentials=credentials, timeout=SETTLE_TIMEOUT)
    target_iri = None if graph is None else graph_iri(graph)  # an IRI term, never pasted text
    selection = graph_files(data)
    # ENTAILMENT HOOK (#10): the closure travels with the graph, so that queries against the loaded store see
    # what the embedded engine sees; both come from one store, so their blank nodes are the same nodes
    source = _graph_store(selection)
    staging_graph = _fresh() if staging else None
    upload_graph = staging_graph if staging else graph
    target = f"GRAPH {target_iri}" if target_iri is not None else "DEFAULT"
    shown = str(target_iri) if target_iri is not None else "the default graph"
    start = time.perf_counter()
    seen: set[int] = set()  # hashes of the triples sent: the store counts each distinct triple once
    sent = chunks = 0
    requests = Requests(notice)
    before = 0  # the target's triples before the load, once counted
    phase = "before"  # before | upload | switch | after: what a failure or an interrupt can have changed

    def drop_staging() -> str:
        """Drop the staging graph (nothing is in flight when this is called); say how it went."""
        try:
            _update(settle, endpoints, f"DROP SILENT GRAPH <{staging_graph}>", "dropping the staging")
        except StoreError as exc:
            return f"; the staging graph <{staging_graph}> could not be dropped ({exc})"
        return "; the staging graph was dropped"

    try:
        # Fail early, before anything is written, if the store cannot be reached or refuses our credentials.
        server: list[str] = []
        before = requests.run(lambda: _count(transport, endpoints, graph, server=server), "the first count")
        bulk = bool(server) and server[0].startswith("oxigraph")
        # Virtuoso, by its Server header or its update URL (a proxy may hide the header): see _switch
        virtuoso_url = urllib.parse.urlsplit(endpoints.update).path.endswith("/sparql-auth")
        guarded = (bool(server) and server[0].startswith("virtuoso")) or virtuoso_url
        # ... and the update endpoint (queries may be open where updates are not): the staging graph is created
        # (explicitly, as the switch's last DROP needs on Virtuoso), or a no-op without one
        probe = f"CREATE GRAPH <{staging_graph}>" if staging_graph else f"DROP SILENT GRAPH <{_fresh()}>"
        requests.run(lambda: _update(transport, endpoints, probe, "checking the update endpoint"), "the check")
        if not staging and replace:
            phase = "upload"
            clear = f"DROP SILENT {target}" if graph else "CLEAR DEFAULT"
            requests.run(lambda: _update(transport, endpoints, clear, "clearing the target"), "the clear")
            before = 0
        url = _upload_url(endpoints, upload_graph, bulk)
        # blank nodes skolemised (stable IRIs, see chunking): a second load of the same graph adds nothing
        for chunk in chunk_triples(source, chunk_size, skolem=True):
            lines = [str(t) for t in chunk]  # N-Triples terms; with " .\n" each is an N-Triples line
            payload = (" .\n".join(lines) + " .\n").encode("utf-8")
            seen.update(map(hash, lines))
            phase = "upload"
            what = f"uploading chunk {chunks + 1}"
            requests.run(
                partial(transport.upload, url, payload, "application/n-triples", what=what), f"chunk {chunks + 1}"
            )
            sent += len(chunk)
            chunks += 1
            if progress is not None:
                progress(sent, 0)
        if staging_graph is None:
            staged = after = requests.run(lambda: _count(transport, endpoints, graph), "the count")
            if after < len(seen):
                raise StoreError(f"the target graph holds {after} triples but {len(seen)} distinct triples were sent")
        else:
            staged = requests.run(lambda: _count(transport, endpoints, staging_graph), "the staged count")
            if staged != len(seen):
                raise StoreError(
                    f"the store holds {staged} triples in the staging graph but {len(seen)} distinct triples were "
                    "sent; the target graph was not changed"
                )
            switch = _switch(staging_graph, target, replace, guarded)
            phase = "switch"
            requests.run(lambda: _update(transport, endpoints, switch, "switching the staged graph in"), "the switch")
            phase = "after"
            after = requests.run(lambda: _count(transport, endpoints, graph), "the last count")
            expected_min = staged if replace else max(before, staged)
            if after < expected_min:
                raise StoreError(
                    f"after the switch the target graph holds {after} triples, fewer than the {staged} loaded"
                )
    except (KeyboardInterrupt, Interrupted, Abandoned) as exc:
        signum = exc.signum if isinstance(exc, (Interrupted, Abandoned)) else signal.SIGINT
        abandoned = isinstance(exc, Abandoned)
        raise _interrupted(
            signum,
            abandoned,
            phase,
            shown,
            staging_graph,
            chunks,
            drop_staging,
            settle,
            endpoints,
            graph,
            requests.answer,
            before,
        ) from None
    except StoreError as exc:
        if phase == "upload" and staging_graph is not None:
            raise StoreError(f"{exc}{drop_staging()}") from None
        if phase == "switch" and staging_graph is not None:
            if isinstance(exc, StoreTimeout):  # the store may still be at it: watch, do not race it
                switched, count = _await_switch(settle, endpoints, staging_graph, graph, SETTLE_TIMEOUT)
                raise StoreError(f"{exc}; {_switch_outcome(switched, count, before, shown, staging_graph)}") from None
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
    settle: Transport,
    endpoints: Endpoints,
    graph: str | None,
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
        count: int | None
        if abandoned:  # the switch is still in flight: look once, send nothing that could race it
            switched, count = _await_switch(settle, endpoints, staging_graph, graph, 0.0)
            outcome = _switch_outcome(switched, count, before, shown, staging_graph)
        elif "error" in answer:  # the store answered that the switch failed: being non-SILENT, it changed nothing
            switched = False
            outcome = f"the switch failed ({answer['error']}): {shown} was not changed{drop_staging()}"
        else:  # the store answered that the switch succeeded
            switched = True
            try:
                count = _count(settle, endpoints, graph)
            except StoreError:
                count = None
            outcome = _switch_outcome(True, count, before, shown, staging_graph)
        return Interrupted(signum, f"{head} during the switch: {outcome}", completed=bool(switched))
    return Interrupted(
        signum, f"{head} after the switch: the load is complete, {shown} holds the new graph", completed=True
    )
