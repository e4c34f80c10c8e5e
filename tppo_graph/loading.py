"""Load the graph into a SPARQL store, atomically: Graph Store Protocol uploads into a staging graph, then one
SPARQL Update switches it in.

A load goes to a fresh staging named graph in chunks; the triples counted there must equal the distinct triples
sent; only then one update request moves (``replace``) or adds the staging graph into the target graph. A load
that fails at any point leaves the target graph exactly as it was. Every request goes through
:class:`tppo_graph.transport.Transport`, one at a time (:class:`_Requests`).
"""

from __future__ import annotations

import json
import signal
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .errors import Interrupted, InvalidOption, StoreError
from .namespaces import BASE
from .parsing import chunks_of
from .resources import graph_files
from .transport import Credentials, Endpoints, Transport, endpoints_for, safe_url

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
    pattern = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "?s ?p ?o"
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}"
    answer = transport.query(
        endpoints.query, query, what="counting triples in the store", accept=_RESULTS_JSON, post=True
    )
    if server is not None:
        server.append(answer.server)
    return int(json.loads(answer.body)["results"]["bindings"][0]["n"]["value"])


def _update(transport: Transport, endpoints: Endpoints, text: str, what: str) -> None:
    transport.update(endpoints.update, text, what=what)


def _upload_url(endpoints: Endpoints, graph: str | None, bulk: bool) -> str:
    params = {"graph": graph} if graph else {"default": ""}
    url = f"{endpoints.store}?{urllib.parse.urlencode(params)}"
    # Oxigraph's own flag: write with its bulk loader (no per-request transaction). Only ever used for a staging
    # graph nobody reads, or with --no-staging where the user gave up atomicity.
    return url + "&no_transaction" if bulk else url


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
            raise Interrupted(self.interrupted)
        if "error" in box:
            raise box["error"]
        return box.get("value")


def _settle_switch(
    settle: Transport,
    endpoints: Endpoints,
    staging_graph: str,
    graph: str | None,
    target_changed: Callable[[int], bool],
) -> tuple[bool | None, int | None]:
    """After a switch whose answer was lost (timeout, abandoned): did it happen? And how big is the target now?

    The switch is a non-SILENT ``MOVE``/``ADD`` of the staging graph, so it changes nothing unless the staging
    graph exists. A non-SILENT ``DROP`` of the staging graph therefore decides the race whatever the order in which
    the store runs the two: if the drop succeeds, the staging graph still existed, and a switch that arrives later
    fails without touching the target; if it fails and the staging graph is gone, the switch has run. A store that
    runs updates concurrently (Oxigraph does) can run the drop while a slow switch is still under way, and both take
    effect: then the target's count shows the switch (``target_changed`` says whether a count is the loaded graph's
    rather than the old one's). Returns (switched: True / False / None for unknown, triples in the target or None).
    """
    switched: bool | None
    try:
        _update(settle, endpoints, f"DROP GRAPH <{staging_graph}>", "dropping the staging graph")
        switched = False
    except StoreError:
        try:
            switched = not _exists(settle, endpoints, staging_graph)
        except StoreError:
            switched = None
    try:
        count = _count(settle, endpoints, graph)
    except StoreError:
        count = None
    if switched is False and count is not None and target_changed(count):
        switched = True
    return switched, count


def _exists(transport: Transport, endpoints: Endpoints, graph: str) -> bool:
    query = f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    answer = transport.query(endpoints.query, query, what="checking the staging graph", accept=_RESULTS_JSON, post=True)
    return bool(json.loads(answer.body)["boolean"])


def _switch_outcome(switched: bool | None, count: int | None, target: str, staging_graph: str) -> str:
    held = f"; it holds {count:,} triples" if count is not None else ""
    if switched:
        return f"the switch was carried out: {target} holds the new graph{held}"
    if switched is False:
        return f"the switch did not happen: {target} was not changed{held}; the staging graph was dropped"
    return (
        f"the store did not say whether the switch happened: check {target}{held}; "
        f"the staging graph <{staging_graph}> may be left behind (DROP SILENT GRAPH <{staging_graph}>)"
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
    not come (timeout, abandoned) is settled by asking the store, and the error says whether it happened.

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
    files = graph_files(data).graph
    staging_graph = f"{STAGING_BASE}{uuid.uuid4()}" if staging else None
    upload_graph = staging_graph if staging else graph
    target = f"GRAPH <{graph}>" if graph else "DEFAULT"
    shown = f"<{graph}>" if graph else "the default graph"
    start = time.perf_counter()
    seen: set[int] = set()  # hashes of the triples sent: the store counts each distinct triple once
    sent = chunks = 0
    requests = _Requests(notice)
    phase = "before"  # before | upload | switch | after: what a failure or an interrupt can have changed

    before = staged = -1  # counted below; -1 until then

    def target_changed(count: int) -> bool:
        """Whether the target's count is the loaded graph's (the switch ran), not the one it had before."""
        if before < 0 or staged < 0 or count == before:
            return False
        return count == staged if replace else count > before

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
        if not staging and replace:
            phase = "upload"
            clear = f"DROP SILENT {target}" if graph else "CLEAR DEFAULT"
            requests.run(lambda: _update(transport, endpoints, clear, "clearing the target"), "the clear")
            before = 0
        url = _upload_url(endpoints, upload_graph, bulk)
        for chunk in chunks_of(files, chunk_size):
            lines = [str(t) for t in chunk]  # N-Triples terms; with " .\n" each is an N-Triples line
            payload = (" .\n".join(lines) + " .\n").encode("utf-8")
            for triple, line in zip(chunk, lines, strict=True):
                # A store renames blank nodes per request, so a blank-node triple is distinct per chunk.
                bnode = isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode)
                seen.add(hash((chunks, line)) if bnode else hash(line))
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
            # Not SILENT: should the staging graph be gone by the time the store runs the switch, the switch fails
            # and changes nothing (a SILENT MOVE of a missing graph empties the target).
            switch = (
                f"MOVE GRAPH <{staging_graph}> TO {target}"
                if replace
                else f"ADD GRAPH <{staging_graph}> TO {target} ; DROP GRAPH <{staging_graph}>"
            )
            phase = "switch"
            requests.run(lambda: _update(transport, endpoints, switch, "switching the staged graph in"), "the switch")
            phase = "after"
            after = requests.run(lambda: _count(transport, endpoints, graph), "the last count")
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
            settle,
            endpoints,
            graph,
            target_changed,
        ) from None
    except StoreError as exc:
        if phase == "upload" and staging_graph is not None:
            raise StoreError(f"{exc}{drop_staging()}") from None
        if phase == "switch" and staging_graph is not None:
            switched, count = _settle_switch(settle, endpoints, staging_graph, graph, target_changed)
            raise StoreError(f"{exc}; {_switch_outcome(switched, count, shown, staging_graph)}") from None
        raise
    return LoadSummary(
        endpoint=safe_url(endpoints.query),
        graph=graph,
        replaced=replace,
        files=len(files),
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
    target_changed: Callable[[int], bool],
) -> Interrupted:
    """The error for a load stopped by a signal in ``phase``, after whatever clean-up is safe there."""
    name = "SIGTERM" if signum == signal.SIGTERM else "SIGINT" if signum == signal.SIGINT else f"signal {signum}"
    head = f"load interrupted ({name})"
    if phase == "before":
        return Interrupted(signum, f"{head} before anything was written: {shown} was not changed")
    if staging_graph is None:  # --no-staging: not atomic by choice
        return Interrupted(
            signum, f"{head} after {chunks} chunks: {shown} is partly written (a load without staging is not atomic)"
        )
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
        # Whether its answer came (first interrupt) or not (abandoned), the store decides: it is asked.
        switched, count = _settle_switch(settle, endpoints, staging_graph, graph, target_changed)
        outcome = _switch_outcome(switched, count, shown, staging_graph)
        return Interrupted(signum, f"{head} during the switch: {outcome}", completed=bool(switched))
    return Interrupted(
        signum, f"{head} after the switch: the load is complete, {shown} holds the new graph", completed=True
    )
