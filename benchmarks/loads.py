"""The load rows of the harness: each store's routes into a fresh store, side by side with the store's own loader.

Per store, every route of ``tppo-graph load`` (``--route auto``, the default, is the fastest atomic one there),
into a fresh store each run (started before the clock, stopped after), next to the store's own loader:

- Oxigraph: ``auto`` = ``put`` (one Graph Store request, one transaction), ``staging`` (staging graph + ``MOVE``),
  ``direct`` (not atomic); its own loader ``oxigraph load`` on the files.
- Virtuoso: ``auto`` = ``staging`` (staging graph + one guarded ``ADD``/``DROP`` request), ``direct`` (not
  atomic); its own bulk loader over ``isql``
  (``ld_dir`` + ``rdf_loader_run()`` + ``checkpoint``: Virtuoso's documented fastest path, not reachable over HTTP).
  Not ``put``: it is no transaction on Virtuoso, and at 1M its single request outlived the 300 s timeout.

The bulk loaders get what a load sends (the graph and its entailed closure, one N-Triples file); the ``tppo-graph``
routes read the files, compute the closure and send the same triples (blank nodes skolemised).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # tests/stores.py: the Virtuoso server the tests start

GRAPH = "https://w3id.org/tppo/graph/bench"


def bench_loads(
    size: str,
    triples: int,
    all_nt: Path,
    files: list[Path],
    data_args: list[str],
    work: Path,
    env: dict[str, str],
    cli: str,
    runs: int,
    rows: list[Any],
    figure: Callable[[str], Any],
    row: Callable[..., Any],
    measure: Callable[..., None],
    timed: Callable[..., tuple[float, int]],
    stores: str = "all",
) -> None:
    from tppo_graph.server import oxigraph_binary, start_server

    def oxigraph(action: Callable[[str], list[str]]) -> tuple[float, int]:
        with start_server(Path(tempfile.mkdtemp(dir=work)), writable=True, owns_location=True) as server:
            return timed(action(server.query_endpoint), env)

    def own_oxigraph() -> tuple[float, int]:
        location = Path(tempfile.mkdtemp(dir=work))
        try:
            return timed([oxigraph_binary(), "load", "--location", str(location), "--file", *map(str, files)], env)
        finally:
            shutil.rmtree(location, ignore_errors=True)

    load = [cli, "load", "--graph", GRAPH, "--replace", *data_args]
    ox_routes = [
        (figure("auto = put (atomic)"), lambda: oxigraph(lambda q: [*load, "--endpoint", q])),
        (figure("staging + MOVE (atomic)"), lambda: oxigraph(lambda q: [*load, "--route", "staging", "--endpoint", q])),
        (figure("direct (not atomic)"), lambda: oxigraph(lambda q: [*load, "--route", "direct", "--endpoint", q])),
        (figure("oxigraph load"), own_oxigraph),
    ]
    if stores in ("all", "oxigraph"):
        measure(ox_routes, runs, "load into Oxigraph", triples)
        for fig, _ in ox_routes[:-1]:  # the last: the own loader, the baseline
            rows.append(row(size, triples, f"Oxigraph: {fig.label}", fig, [ox_routes[-1][0]]))

    from tests.stores import VIRTUOSO

    if VIRTUOSO is None or stores not in ("all", "virtuoso"):
        return
    from tests.stores import VirtuosoServer

    def virtuoso(action: Callable[[VirtuosoServer], list[str]]) -> tuple[float, int]:
        server = VirtuosoServer(Path(tempfile.mkdtemp(dir=work)), buffers=max(20_000, triples // 8), query_limit=0)
        server.start()
        try:
            venv = {**env, "TPPO_GRAPH_PASSWORD": server.password}
            return timed(action(server), venv)
        finally:
            server.stop()
            shutil.rmtree(server.location, ignore_errors=True)

    def auth(server: VirtuosoServer) -> list[str]:
        return ["--endpoint", server.query, "--user", server.user]

    def bulk(server: VirtuosoServer) -> list[str]:
        from tests.stores import QUIET

        shutil.copy(all_nt, server.location / "load.nt")  # inside DirsAllowed
        isql = shutil.which("isql-vt") or "isql"
        sql = f"ld_dir('{server.location}', 'load.nt', '{GRAPH}'); rdf_loader_run(); checkpoint;"
        return [isql, f"127.0.0.1:{server.sql_port}", "dba", server.dba_password, *QUIET, f"exec={sql}"]

    vt_routes = [
        (figure("auto = staging + ADD/DROP (atomic)"), lambda: virtuoso(lambda s: [*load, *auth(s)])),
        (figure("direct (not atomic)"), lambda: virtuoso(lambda s: [*load, "--route", "direct", *auth(s)])),
        (figure("Virtuoso bulk loader (isql)"), lambda: virtuoso(bulk)),
    ]
    measure(vt_routes, runs, "load into Virtuoso", triples)
    for fig, _ in vt_routes[:-1]:
        rows.append(row(size, triples, f"Virtuoso: {fig.label}", fig, [vt_routes[-1][0]]))
