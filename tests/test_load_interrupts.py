"""An interrupted or timed-out atomic load never leaves the live graph emptier than before (a real Oxigraph server).

Each case runs `tppo-graph load --replace` as a process through a proxy that holds one request (an upload, the count
of the staging graph, the switch) before or after forwarding it, and sends SIGINT or SIGTERM (once: wait for the
request in flight, then clean up; twice: abandon it) while it is held. Where the load did not report that the new
graph is in place, the live graph's triple count and the hash of its sorted triples must be what they were.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time

import pytest

from tppo_graph.engines import RemoteEngine
from tppo_graph.loading import load_into

from .proxy import Faults, Proxy
from .test_store import GRAPH, oxigraph  # noqa: F401 - the fixture

pytestmark = pytest.mark.server

SIGINT, SIGTERM = signal.SIGINT, signal.SIGTERM


def _state(server: object) -> tuple[int, str]:
    """The live graph's triple count and the SHA-256 of its sorted triples."""
    rows = RemoteEngine(server.query).select(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}").rows
    lines = sorted(f"{r['s']} {r['p']} {r['o']}" for r in rows)
    return len(lines), hashlib.sha256("\n".join(lines).encode()).hexdigest()


@pytest.fixture
def live(oxigraph, tmp_path):  # noqa: F811 - the fixture imported above
    """A server whose live graph holds a small graph (ontology + one file), unlike what the load brings."""
    extra = tmp_path / "live.ttl"
    extra.write_text("<urn:live:a> <urn:live:b> <urn:live:c> .\n", encoding="utf-8")
    load_into(oxigraph.query, data=[extra], graph=GRAPH, replace=True)
    return oxigraph


def _load(proxy: Proxy, *extra: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "tppo_graph", "load", "--endpoint", f"{proxy.url}/query", "--graph", GRAPH]
    return subprocess.Popen(
        [*command, "--replace", "--chunk-size", "3000", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TPPO_GRAPH_CACHE": "never"},
    )


def _check(server, proxy, process, before, new_count, *, expect_code):
    """The load ended without a traceback; the live graph is the new one where it says so, unchanged otherwise."""
    _, stderr = process.communicate(timeout=120)
    proxy.faults.wait_idle()  # a held request that the client gave up on has reached the store by now
    time.sleep(0.2)
    assert "Traceback" not in stderr, stderr
    assert process.returncode == expect_code, (process.returncode, stderr)
    last = stderr.strip().splitlines()[-1]
    completed = process.returncode == 0 or "the switch was carried out" in last or "the load is complete" in last
    if completed:
        assert server.count(GRAPH) == new_count, last
    else:
        assert _state(server) == before, last
    if "may be left behind" not in last:
        assert server.graphs() == {GRAPH}, (server.graphs(), last)  # no staging graph left
    return last


# (held request, hold the answer instead of the request, signals sent, what the message must say)
CASES = [
    ("upload:2", False, [SIGINT], "while uploading chunk 2: <https://w3id.org/tppo/graph/test> was not changed"),
    ("upload:2", False, [SIGTERM], "was not changed; the staging graph was dropped"),
    ("upload:3", True, [SIGINT], "was not changed; the staging graph was dropped"),
    ("upload:2", False, [SIGINT, SIGINT], "may be left behind"),
    ("count-staging", False, [SIGTERM], "was not changed; the staging graph was dropped"),
    # the switch held before it reaches the store: one interrupt waits for it (it completes) ...
    ("switch", False, [SIGINT], "the switch was carried out"),
    ("switch", False, [SIGTERM], "the switch was carried out"),
    # ... two abandon it: the drop that settles the race reaches the store first, the late MOVE then fails
    ("switch", False, [SIGINT, SIGINT], "the switch did not happen"),
    ("switch", False, [SIGTERM, SIGTERM], "the switch did not happen"),
    # the switch done by the store, its answer held: abandoned, it is found to have happened
    ("switch", True, [SIGINT, SIGINT], "the switch was carried out"),
]


def _case_id(hold: str, after: bool, signals: list[int], _says: str) -> str:
    names = "+".join(signal.Signals(s).name for s in signals)
    return f"{hold}-{'answer' if after else 'request'}-{names}"


@pytest.mark.parametrize(("hold", "after", "signals", "says"), [pytest.param(*c, id=_case_id(*c)) for c in CASES])
def test_interrupted_load_leaves_the_live_graph_intact_or_says_it_is_replaced(
    live, bundled_store, hold, after, signals, says
):
    before = _state(live)
    faults = Faults(hold=hold, hold_after=after, hold_seconds=2.0)
    with Proxy(live.base, faults) as proxy:
        process = _load(proxy)
        assert faults.holding.wait(60), "the load never reached the held request"
        for signum in signals:
            time.sleep(0.3)
            process.send_signal(signum)
        last = _check(live, proxy, process, before, len(bundled_store), expect_code=128 + signals[0])
    assert says in last, last
    assert last.startswith("tppo-graph: error: load interrupted (SIG")


@pytest.mark.parametrize(
    ("after", "says"), [(False, "the switch did not happen"), (True, "the switch was carried out")]
)
def test_switch_timeout_is_settled_and_reported(live, bundled_store, after, says):
    """The switch outlives --timeout: held before the store (it arrives late and fails) or after (it happened)."""
    before = _state(live)
    faults = Faults(hold="switch", hold_after=after, hold_seconds=4.0)
    with Proxy(live.base, faults) as proxy:
        process = _load(proxy, "--timeout", "2")
        last = _check(live, proxy, process, before, len(bundled_store), expect_code=2)
    assert "switching the staged graph in: no answer within 2 s (timeout)" in last
    assert says in last, last
