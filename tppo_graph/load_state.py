"""What a load that stopped part-way has done to its target, found out from the store and said in one line.

Used by :mod:`tppo_graph.loading`: the counts a load checks, the watch over a switch or an upload whose answer did
not come (sending nothing that could race it), and the message of an interrupted load for each route and phase.
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable
from typing import Any

import pyoxigraph as ox

from .errors import Interrupted, StoreError
from .results import AskResult
from .transport import Endpoints, Transport

__all__ = [
    "NOT_ONE_TRANSACTION",
    "SETTLE_TIMEOUT",
    "await_put",
    "await_switch",
    "count_triples",
    "interrupted",
    "put_outcome",
    "switch_outcome",
]

#: seconds allowed for each request that finds out or repairs the state after an interrupt or a timeout
SETTLE_TIMEOUT = 30.0
_RESULTS_JSON = "application/sparql-results+json"


def count_triples(
    transport: Transport, endpoints: Endpoints, graph: str | None, *, server: list[str] | None = None
) -> int:
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


def _exists(transport: Transport, endpoints: Endpoints, graph: str) -> bool:
    query = f"ASK {{ GRAPH {ox.NamedNode(graph)} {{ ?s ?p ?o }} }}"
    answer = transport.query(endpoints.query, query, what="checking the staging graph", accept=_RESULTS_JSON, post=True)
    from .engines import read_answer  # Virtuoso answers an ASK in JSON as a SELECT: read_answer knows its form

    result = read_answer(answer.body, answer.media_type or _RESULTS_JSON, "checking the staging graph", None, False)
    if not isinstance(result, AskResult):
        raise StoreError("checking the staging graph: the store's answer is not the boolean asked for")
    return result.boolean


def _watch(done: Callable[[], bool], window: float) -> bool | None:
    """Ask ``done`` every quarter second for up to ``window`` seconds: True once it says so, else None (not known)."""
    deadline = time.monotonic() + window
    while True:
        try:
            if done():
                return True
        except StoreError:
            pass
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.25)


def _count_or_none(settle: Transport, endpoints: Endpoints, graph: str | None) -> int | None:
    try:
        return count_triples(settle, endpoints, graph)
    except StoreError:
        return None


def await_switch(
    settle: Transport, endpoints: Endpoints, staging_graph: str, graph: str | None, window: float
) -> tuple[bool | None, int | None]:
    """After a switch whose answer did not come (a timeout, an abandoned wait): has it happened? How big is the target?

    Nothing is sent that could race the switch still in flight (a ``DROP`` of the staging graph could run while the
    store executes the ``MOVE``, and stores differ in how they isolate the two: Oxigraph lets both succeed). Only
    the switch removes the staging graph, so the store is watched for up to ``window`` seconds: once the staging
    graph is gone, the switch has been carried out; while it is there, the switch has not happened yet, and may
    still. Returns (True: carried out, None: not known yet; the triples in the target or None).
    """
    switched = _watch(lambda: not _exists(settle, endpoints, staging_graph), window)
    return switched, _count_or_none(settle, endpoints, graph)


def await_put(
    settle: Transport, endpoints: Endpoints, graph: str | None, before: int, expected: int, window: float
) -> tuple[bool | None, int | None]:
    """After a single-request load whose answer did not come: has the store committed it? How big is the target?

    The request is one transaction, so its effect shows all at once: a target that held ``before`` triples and now
    holds the ``expected`` count of the new graph has it. Only reads are sent. When the two counts are equal the
    count cannot tell, and the answer is None (not known) however long it is watched.
    """
    if expected <= 0 or before == expected:  # an addition to a graph that held triples: its new count is unknown
        return None, _count_or_none(settle, endpoints, graph)
    done = _watch(lambda: count_triples(settle, endpoints, graph) == expected, window)
    return done, _count_or_none(settle, endpoints, graph)


def switch_outcome(switched: bool | None, count: int | None, before: int, target: str, staging_graph: str) -> str:
    """What a switch whose answer was lost has done: carried out (True) or not known yet (None)."""
    held = f"; it holds {count:,} triples" if count is not None else ""
    if switched:
        return f"the switch was carried out: {target} holds the new graph{held}"
    return (
        f"the switch had not happened when the load stopped, and the store may still carry it out: {target} holds "
        f"the new graph once <{staging_graph}> is gone, else its {before:,} triples as before{held}; the staging "
        f"graph is left in place for the switch (drop it with DROP SILENT GRAPH <{staging_graph}> if it stays)"
    )


#: what a failed or lost single request means on a store that does not run it as one transaction
NOT_ONE_TRANSACTION = (
    "this store is not known to run a Graph Store request as one transaction (Virtuoso does not), so {target} may "
    "be partly written; load again with --replace, or by --route staging, which is atomic there"
)


def put_outcome(done: bool | None, count: int | None, before: int, target: str, transactional: bool = True) -> str:
    """What a single-request load whose answer was lost has done: carried out (True) or not known yet (None)."""
    held = f"; it holds {count:,} triples" if count is not None else ""
    if done:
        return f"the load is complete: {target} holds the new graph{held}"
    if not transactional:
        return (
            f"the upload was not answered when the load stopped, and the store may still carry it out{held}; "
            + NOT_ONE_TRANSACTION.format(target=target)
        )
    return (
        f"the upload was not answered when the load stopped, and the store may still carry it out: it is one "
        f"transaction, so {target} holds its {before:,} triples as before or the whole new graph, never a part of "
        f"it{held}; load again to be sure"
    )


def interrupted(
    signum: int,
    abandoned: bool,
    phase: str,
    shown: str,
    route: str,
    staging_graph: str | None,
    chunks: int,
    drop_staging: Callable[[], str],
    settle: Transport,
    endpoints: Endpoints,
    graph: str | None,
    answer: dict[str, Any],
    before: int,
    expected: int,
    transactional: bool = True,
) -> Interrupted:
    """The error for a load stopped by a signal in ``phase``, after whatever clean-up is safe there.

    ``answer`` is what the request in flight gave when the interrupt waited for it (empty when abandoned);
    ``expected`` is the count the target holds once the new graph is in (0 when not known yet); ``transactional``
    whether the store runs the single request of route ``put`` as one transaction.
    """
    name = "SIGTERM" if signum == signal.SIGTERM else "SIGINT" if signum == signal.SIGINT else f"signal {signum}"
    head = f"load interrupted ({name})"
    if phase == "before":
        return Interrupted(signum, f"{head} before anything was written: {shown} was not changed")
    if route == "direct":  # not atomic by choice
        return Interrupted(signum, f"{head} after {chunks} chunks: {shown} is partly written (--route direct)")
    if phase == "put":
        if abandoned:  # the upload is still in flight: look once, send nothing but reads
            done, count = await_put(settle, endpoints, graph, before, expected, 0.0)
            outcome = put_outcome(done, count, before, shown, transactional)
            return Interrupted(signum, f"{head} during the upload: {outcome}")
        if "error" in answer:  # the store refused the upload: one transaction, so nothing of it was kept
            kept = f"{shown} was not changed" if transactional else NOT_ONE_TRANSACTION.format(target=shown)
            return Interrupted(signum, f"{head} during the upload, which failed ({answer['error']}): {kept}")
        count = _count_or_none(settle, endpoints, graph)
        return Interrupted(
            signum, f"{head} during the upload: {put_outcome(True, count, before, shown)}", completed=True
        )
    if phase == "upload" and staging_graph is not None:
        if abandoned:  # the chunk in flight may still arrive: a drop now could be overtaken by it
            return Interrupted(
                signum,
                f"{head} with chunk {chunks + 1} in flight: {shown} was not changed; the staging graph "
                f"<{staging_graph}> may be left behind (DROP SILENT GRAPH <{staging_graph}>)",
            )
        return Interrupted(
            signum, f"{head} while uploading chunk {chunks + 1}: {shown} was not changed{drop_staging()}"
        )
    if phase == "switch" and staging_graph is not None:
        switched: bool | None
        if abandoned:  # the switch is still in flight: look once, send nothing that could race it
            switched, count = await_switch(settle, endpoints, staging_graph, graph, 0.0)
            outcome = switch_outcome(switched, count, before, shown, staging_graph)
        elif "error" in answer:  # the store answered that the switch failed: being non-SILENT, it changed nothing
            switched = False
            outcome = f"the switch failed ({answer['error']}): {shown} was not changed{drop_staging()}"
        else:  # the store answered that the switch succeeded
            switched = True
            outcome = switch_outcome(True, _count_or_none(settle, endpoints, graph), before, shown, staging_graph)
        return Interrupted(signum, f"{head} during the switch: {outcome}", completed=bool(switched))
    step = "upload" if route == "put" else "switch"
    return Interrupted(
        signum, f"{head} after the {step}: the load is complete, {shown} holds the new graph", completed=True
    )
