"""The SPARQL 1.1 stores the store tests run on, each a real server on 127.0.0.1 started for the tests.

- :class:`OxigraphServer`: the Oxigraph server (PyPI's ``oxigraph``), a fresh store per test; no credentials.
- :class:`VirtuosoServer`: OpenLink Virtuoso (Debian's ``virtuoso-opensource``), a fresh database in a temporary
  folder with its own two ports (SQL and HTTP) on 127.0.0.1 only, a generated ``dba`` password and a user with the
  ``SPARQL_UPDATE`` role (updates through ``/sparql-auth``, uploads through ``/sparql-graph-crud-auth``, both
  behind HTTP digest auth). Started once per session (about 8 s); each test gets it with every graph it wrote
  dropped afterwards.
- Apache Jena Fuseki: not installable here (see :data:`FUSEKI_SKIP`); its parameter skips with that reason.

Each store answers the same small interface: ``query`` (the URL given to ``--endpoint``), ``base``,
``credentials``, ``count(graph)``, ``graphs()`` (the graphs the tests wrote: a store's own system graphs are left
out), ``stop()``/``start()`` on the same data.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tppo_graph.engines import RemoteEngine
from tppo_graph.server import Server, free_port, start_server
from tppo_graph.transport import Credentials

STORES = ["oxigraph", "virtuoso", "fuseki"]
FUSEKI_SKIP = (
    "Apache Jena Fuseki cannot be installed here: it ships only through Maven Central, which this machine and CI "
    "cannot reach, and no Debian, PyPI or npm package carries it (its URL layout is derived and documented, untested)"
)
VIRTUOSO = shutil.which("virtuoso-t")
QUIET = ("VERBOSE=OFF", "BANNER=OFF", "PROMPT=OFF")  # isql prints the rows alone
VIRTUOSO_SKIP = "OpenLink Virtuoso is not installed (apt-get install virtuoso-opensource; .ci/run installs it)"


def _count(query: str, graph: str | None, credentials: Credentials | None = None) -> int:
    pattern = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "?s ?p ?o"
    rows = RemoteEngine(query, credentials=credentials).select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}").rows
    return int(rows[0]["n"].value)


def _graphs(query: str) -> set[str]:
    rows = RemoteEngine(query).select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }").rows
    return {r["g"].value for r in rows}


@dataclass
class OxigraphServer:
    """A writable Oxigraph server process started for a test; restartable on the same store."""

    location: Path
    port: int
    server: Server | None = None
    name: str = "oxigraph"
    credentials: Credentials | None = None
    union_default: bool = False  # a query's default graph is the default graph, not the union of all graphs

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def query(self) -> str:
        return f"{self.base}/query"

    def start(self) -> None:
        self.server = start_server(self.location, port=self.port, writable=True)

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()  # keeps the store on disk: the test owns the directory

    def count(self, graph: str | None = None) -> int:
        return _count(self.query, graph)

    def graphs(self) -> set[str]:
        return _graphs(self.query)


INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
DirsAllowed = ., {d}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
CheckpointInterval = 0
ThreadsPerQuery = 2
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}/www
ServerThreads = 4
MaxClientConnections = 4
[SPARQL]
ResultSetMaxRows = 10000000
MaxQueryExecutionTime = {limit}
MaxQueryCostEstimationTime = 0
"""


@dataclass
class VirtuosoServer:
    """A Virtuoso server on a fresh database in ``location`` (no demo database, nothing on another address)."""

    location: Path
    sql_port: int = field(default_factory=free_port)
    http_port: int = field(default_factory=free_port)
    buffers: int = 20_000  # 8 KB pages: 160 MB of cache, room for the 1M-triple benchmark
    #: seconds after which Virtuoso stops a query (0: never): a query it cannot plan must not load the machine
    query_limit: int = 30
    process: subprocess.Popen[bytes] | None = None
    name: str = "virtuoso"
    user: str = "tppo"
    password: str = field(default_factory=lambda: secrets.token_urlsafe(16), repr=False)
    dba_password: str = field(default_factory=lambda: secrets.token_urlsafe(16), repr=False)
    system_graphs: frozenset[str] = frozenset()
    system_triples: int = 0
    kept: set[str] = field(default_factory=set)  # graphs a module's tests share: not cleaned between tests
    union_default: bool = True  # Virtuoso's default graph of a query is the union of all its graphs

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def query(self) -> str:
        return f"{self.base}/sparql"

    @property
    def credentials(self) -> Credentials:
        return Credentials(self.user, self.password)

    def start(self, timeout: float = 90.0) -> None:
        first = not (self.location / "virtuoso.db").exists()
        (self.location / "www").mkdir(exist_ok=True)
        ini = self.location / "virtuoso.ini"
        ini.write_text(
            INI.format(
                d=self.location,
                sql=self.sql_port,
                http=self.http_port,
                buffers=self.buffers,
                dirty=self.buffers * 3 // 4,
                limit=self.query_limit,
            ),
            encoding="utf-8",
        )
        assert VIRTUOSO is not None
        with (self.location / "server.out").open("ab") as out:
            self.process = subprocess.Popen(
                [VIRTUOSO, "-f", "-c", str(ini)],
                cwd=self.location,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() ends it and anything it started
            )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                log = (self.location / "server.out").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"virtuoso-t exited with {self.process.returncode}: {log}")
            try:
                with urllib.request.urlopen(f"{self.query}?query=ASK%7B%7D", timeout=5) as answer:
                    answer.read()
                break
            except (OSError, urllib.error.URLError):
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"virtuoso-t did not answer on {self.query} within {timeout:.0f} s") from None
                time.sleep(0.25)
        if first:
            self._secure()
            self.isql(f"USER_CREATE('{self.user}', '{self.password}');", f'GRANT SPARQL_UPDATE TO "{self.user}";')
            self.system_graphs = frozenset(self._all_graphs())
            self.system_triples = _count(self.query, None)

    def _secure(self, attempts: int = 20) -> None:
        """Change a fresh database's dba password ("dba") at once, and make sure the change holds.

        Once, a change made in the first second the server was online did not: the next login with the new
        password was refused, and the server logged no other login. So the new password is tried, and while
        it is refused the change is made again (from "dba": a refusal of that too is an error)."""
        change = f"USER_SET_PASSWORD('dba', '{self.dba_password}');"
        self.isql(change, password="dba")
        for _ in range(attempts):
            try:
                self.isql("SELECT 1;")
                return
            except RuntimeError as exc:
                if "Bad login" not in str(exc):
                    raise
            time.sleep(0.25)
            self.isql(change, password="dba")
        raise RuntimeError(f"Virtuoso refused the dba password it was given {attempts} times")

    def isql(self, *statements: str, password: str | None = None, timeout: float = 3600.0) -> str:
        """Run SQL statements through Virtuoso's ``isql`` on the SQL port (as dba); their output."""
        isql = shutil.which("isql-vt") or shutil.which("isql")
        assert isql is not None, "Virtuoso's isql (isql-vt) is missing"
        done = subprocess.run(
            [isql, f"127.0.0.1:{self.sql_port}", "dba", password or self.dba_password, *QUIET],
            input="\n".join(statements) + "\n",
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
            raise RuntimeError(f"isql failed: {(done.stdout + done.stderr)[-1000:]}")
        return done.stdout

    def stop(self) -> None:
        """End the server's process group (a checkpoint on SIGTERM; SIGKILL after 30 s): no process is left."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)

    def count(self, graph: str | None = None) -> int:
        """Triples in ``graph``; with None, in every graph but the store's own (Virtuoso's default graph is their
        union)."""
        return _count(self.query, graph) - (0 if graph else self.system_triples)

    def _all_graphs(self) -> set[str]:
        # in SQL on the quad table's graph index: the SPARQL form scans every quad (seconds at 20,000 triples)
        return {
            line.strip()
            for line in self.isql("SELECT DISTINCT ID_TO_IRI(G) FROM DB.DBA.RDF_QUAD;").splitlines()
            if line.strip()
        }

    def graphs(self) -> set[str]:
        return self._all_graphs() - self.system_graphs - self.kept

    def clean(self) -> None:
        """Drop every graph the tests wrote (faster than a fresh database: a test gets a clean store)."""
        graphs = sorted(self.graphs())
        if graphs:  # a bounded wait: a lock held by a runaway query fails the test instead of hanging the suite
            deletes = (f"DELETE FROM DB.DBA.RDF_QUAD WHERE G = IRI_TO_ID('{graph}', 0);" for graph in graphs)
            self.isql(*deletes, timeout=120)


def cli_auth(store: OxigraphServer | VirtuosoServer, monkeypatch: object) -> list[str]:
    """The CLI options that give ``store``'s credentials (the password in an environment variable), if any."""
    if store.credentials is None:
        return []
    monkeypatch.setenv("TPPO_TEST_STORE_PASSWORD", store.credentials.password)  # type: ignore[attr-defined]
    return ["--user", store.credentials.user, "--password-env", "TPPO_TEST_STORE_PASSWORD"]


def virtuoso_session(tmp_root: Path) -> VirtuosoServer:
    server = VirtuosoServer(Path(tempfile.mkdtemp(prefix="tppo-test-virtuoso-", dir=tmp_root)))
    server.start()
    return server
