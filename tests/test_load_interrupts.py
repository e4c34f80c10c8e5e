"""An interrupted or timed-out atomic load never leaves the live graph emptier than before (each real store).

Each case runs `tppo-graph load --replace` by one of the two atomic routes as a process through a proxy that holds
one request (an upload, the count of the staging graph, the switch; the single upload of the put route) before or
after forwarding it, and sends SIGINT or SIGTERM (once: wait for the request in flight, then clean up; twice:
abandon it) while it is held. Where the load did not report that the new graph is in place, the live graph's
triple count and the hash of its sorted triples must be what they were. The one exception is a switch or a single
upload abandoned in flight (a second interrupt), which the load reports as not known yet: the store may still
carry it out, so the live graph must then be the old graph or the new one, nothing in between, and a staging
graph must be left for the switch.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tppo_graph.engines import RemoteEngine
from tppo_graph.loading import load_into

from .proxy import Faults, Proxy
from .test_store import AUTO_ROUTE, GRAPH, VIRTUOSO_PUT

pytestmark = pytest.mark.server

SIGINT, SIGTERM = signal.SIGINT, signal.SIGTERM


def _state(server: object) -> tuple[int, str]:
    """The live graph's triple count and the SHA-256 of its sorted triples."""
    rows = RemoteEngine(server.query).select(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}").rows
    lines = sorted(f"{r['s']} {r['p']} {r['o']}" for r in rows)
    return len(lines), hashlib.sha256("\n".join(lines).encode()).hexdigest()


@pytest.fixture
def live(store, tmp_path):
    """A store whose live graph holds a small graph (ontology + one file), unlike what the load brings."""
    extra = tmp_path / "live.ttl"
    extra.write_text("<urn:live:a> <urn:live:b> <urn:live:c> .\n", encoding="utf-8")
    load_into(store.query, data=[extra], graph=GRAPH, replace=True, credentials=store.credentials)
    return store


def _load(proxy: Proxy, store, route: str, *extra: str) -> subprocess.Popen[str]:
    endpoint = proxy.url + store.query.split(store.base, 1)[1]
    command = [sys.executable, "-m", "tppo_graph", "load", "--endpoint", endpoint, "--graph", GRAPH]
    env = {**os.environ, "TPPO_GRAPH_CACHE": "never"}
    if store.credentials is not None:
        command += ["--user", store.credentials.user]
        env["TPPO_GRAPH_PASSWORD"] = store.credentials.password
    return subprocess.Popen(
        [*command, "--replace", "--route", route, "--chunk-size", "3000", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


#: seconds given to the load's Python-level handler after the kernel has delivered its signal, before the held
#: request goes on (the hold used to last a fixed 2 s, 1.4 s of it idle after the last signal)
HANDLER_GRACE = 0.3


def _handled(pid: int, signum: int, timeout: float = 30.0) -> None:
    """Wait until no thread of ``pid`` has ``signum`` pending (/proc/PID/task/*/status): the kernel has run its
    handler. Without /proc (not Linux): a fixed 1.5 s, about what the former fixed hold left after the signals."""
    tasks = Path(f"/proc/{pid}/task")
    if not tasks.is_dir():
        time.sleep(1.5)
        return
    bit = 1 << (signum - 1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pending = 0
        for status in tasks.glob("*/status"):
            with contextlib.suppress(OSError):  # a thread that has just ended
                for line in status.read_text().splitlines():
                    if line.startswith(("SigPnd:", "ShdPnd:")):
                        pending |= int(line.split()[1], 16)
        if not pending & bit:
            return
        time.sleep(0.01)
    raise AssertionError(f"the load did not take signal {signum} within {timeout:.0f} s")


def _atomic_there(store, route: str) -> None:
    if route == "put" and AUTO_ROUTE[store.name] != "put":
        pytest.skip(
            f"the single request is not atomic on {store.name}, so `auto` does not take it there: {VIRTUOSO_PUT}"
        )


#: what the last line says, and what the live graph must then be
NOT_CHANGED = ("was not changed",)
REPLACED = ("the switch was carried out", "the load is complete")
NOT_KNOWN = ("the store may still carry it out",)


def _check(server, proxy, process, before, new_count, *, expect_code):
    """The load ended without a traceback; the live graph is what its last line says, never anything in between."""
    _, stderr = process.communicate(timeout=120)
    proxy.faults.wait_idle()  # a held request that the client gave up on has reached the store by now
    time.sleep(0.2)
    assert "Traceback" not in stderr, stderr
    assert process.returncode == expect_code, (process.returncode, stderr)
    last = stderr.strip().splitlines()[-1]
    if any(s in last for s in REPLACED):
        assert server.count(GRAPH) == new_count, last
    elif any(s in last for s in NOT_KNOWN):
        assert server.count(GRAPH) == new_count or _state(server) == before, last  # old or new, nothing else
    else:
        assert any(s in last for s in NOT_CHANGED), last
        assert _state(server) == before, last
    if "left behind" not in last and "left in place" not in last:
        assert server.graphs() == {GRAPH}, (server.graphs(), last)  # no staging graph left
    elif server.count(GRAPH) == new_count:
        assert server.graphs() == {GRAPH}, (server.graphs(), last)  # the late switch took the staging graph along
    return last


# (route, held request, hold its answer instead of the request, answer it with HTTP 500, signals sent, what the
# message says)
CASES = [
    (
        "staging",
        "upload:2",
        False,
        False,
        [SIGINT],
        ["while uploading chunk 2: <https://w3id.org/tppo/graph/test> was not changed"],
    ),
    ("staging", "upload:2", False, False, [SIGTERM], ["was not changed; the staging graph was dropped"]),
    ("staging", "upload:3", True, False, [SIGINT], ["was not changed; the staging graph was dropped"]),
    (
        "staging",
        "upload:2",
        False,
        False,
        [SIGINT, SIGINT],
        ["was not changed; the staging graph", "may be left behind"],
    ),
    ("staging", "count-staging", False, False, [SIGTERM], ["was not changed; the staging graph was dropped"]),
    # the switch held before it reaches the store: one interrupt waits for its answer, which says it was done ...
    ("staging", "switch", False, False, [SIGINT], ["the switch was carried out"]),
    ("staging", "switch", False, False, [SIGTERM], ["the switch was carried out"]),
    # ... or that it failed: being non-SILENT it changed nothing, and the staging graph can be dropped
    (
        "staging",
        "switch",
        False,
        True,
        [SIGINT],
        ["the switch failed", "was not changed; the staging graph was dropped"],
    ),
    # two interrupts abandon the switch in flight: nothing is sent that could race it; it happens later
    ("staging", "switch", False, False, [SIGINT, SIGINT], ["the store may still carry it out"]),
    ("staging", "switch", False, False, [SIGTERM, SIGTERM], ["the store may still carry it out"]),
    # the switch run by the store, its answer held: found done, or still running when the load stopped
    (
        "staging",
        "switch",
        True,
        False,
        [SIGINT, SIGINT],
        ["the switch was carried out|the store may still carry it out"],
    ),
    # the single upload held before it reaches the store: one interrupt waits for its answer: done ...
    ("put", "upload:1", False, False, [SIGINT], ["during the upload: the load is complete"]),
    # ... or refused: one transaction, so nothing of it was kept
    ("put", "upload:1", False, True, [SIGTERM], ["during the upload, which failed", "was not changed"]),
    # two interrupts abandon it in flight: it reaches the store later, all of it or none
    ("put", "upload:1", False, False, [SIGINT, SIGINT], ["the store may still carry it out", "never a part"]),
    # carried out by the store, its answer held: the count shows the new graph
    ("put", "upload:1", True, False, [SIGTERM, SIGTERM], ["the load is complete|the store may still carry it out"]),
]


def _case_id(route: str, hold: str, after: bool, fail: bool, signals: list[int], _says: list[str]) -> str:
    names = "+".join(signal.Signals(s).name for s in signals)
    return f"{route}-{hold}-{'answer' if after else 'request'}{'-fails' if fail else ''}-{names}"


def _says(last: str, says: list[str]) -> None:
    """Each entry must appear in the message; an entry with | is a choice."""
    for entry in says:
        assert any(choice in last for choice in entry.split("|")), (entry, last)


@pytest.mark.parametrize(
    ("route", "hold", "after", "fail", "signals", "says"), [pytest.param(*c, id=_case_id(*c)) for c in CASES]
)
def test_interrupted_load_leaves_the_live_graph_intact_or_says_it_is_replaced(
    live, bundled_store, route, hold, after, fail, signals, says
):
    _atomic_there(live, route)
    before = _state(live)
    faults = Faults(hold=hold, hold_after=after, fail_held=fail, hold_seconds=10.0)
    with Proxy(live.base, faults) as proxy:
        process = _load(proxy, live, route)
        assert faults.holding.wait(60), "the load never reached the held request"
        for signum in signals:
            time.sleep(0.3)
            process.send_signal(signum)
            _handled(process.pid, signum)
        time.sleep(HANDLER_GRACE)
        faults.release.set()  # the load has taken the signals while the request was held: let it go on
        last = _check(live, proxy, process, before, len(bundled_store), expect_code=128 + signals[0])
    _says(last, says)
    assert last.startswith("tppo-graph: error: load interrupted (SIG")


@pytest.mark.parametrize("after", [False, True], ids=["request-held", "answer-held"])
@pytest.mark.parametrize("route", ["staging", "put"])
def test_a_late_answer_is_watched_to_its_end_and_reported(live, bundled_store, after, route):
    """The switch (or the single upload) outlives --timeout, held before the store or its answer held: the load
    watches the store by reads alone (nothing that could race it) and reports it carried out once it shows."""
    _atomic_there(live, route)
    before = _state(live)
    hold, what, says = (
        ("switch", "switching the staged graph in", "the switch was carried out")
        if route == "staging"
        else ("upload:1", "uploading the graph", "the load is complete")
    )
    faults = Faults(hold=hold, hold_after=after, hold_seconds=4.0)
    with Proxy(live.base, faults) as proxy:
        process = _load(proxy, live, route, "--timeout", "2")
        last = _check(live, proxy, process, before, len(bundled_store), expect_code=2)
    assert f"{what}: no answer within 2 s (timeout)" in last
    assert says in last, last


def test_switch_refused_by_the_store_changes_nothing(live, bundled_store):
    """The store answers the switch with an error: the target is unchanged and the staging graph is dropped."""
    before = _state(live)
    faults = Faults(hold="switch", fail_held=True, hold_seconds=0.0)
    with Proxy(live.base, faults) as proxy:
        process = _load(proxy, live, "staging")
        last = _check(live, proxy, process, before, len(bundled_store), expect_code=2)
    assert (
        "switching the staged graph in: HTTP 500" in last and "was not changed; the staging graph was dropped" in last
    )
