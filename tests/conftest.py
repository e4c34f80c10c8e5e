"""Shared fixtures: the bundled graph (loaded once), paths, and a CLI runner."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tppo_graph.resources import bundled_root, graph_files

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(__file__).resolve().parent / "data"
#: options for the short-lived JVMs the tests start (Jena, the Nu Html Checker): the client compiler alone and
#: the serial collector take half their CPU, which two cores shared with three other workers lack; the client
#: compiler's deeper frames need a larger stack for the checker's schema
LEAN_JVM = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss4m")


@pytest.fixture(scope="session", autouse=True)
def private_user_cache(tmp_path_factory):
    """Keep the stores and header caches that tests build out of the user's real cache directory."""
    import os

    previous = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if previous is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = previous


@pytest.fixture(scope="session")
def bundled_graph():
    """The bundled graph (ontology + data) as an rdflib Graph: what the files assert."""
    from tppo_graph.parsing import load_graph

    return load_graph()


@pytest.fixture(scope="session")
def entailed_graph():
    """The bundled graph with the entailed closure the query engine sees, as an rdflib Graph."""
    from tppo_graph.parsing import load_graph

    return load_graph(entailed=True)


@pytest.fixture(scope="session")
def bundled_store():
    """The bundled graph in an in-memory pyoxigraph store."""
    from tppo_graph.parsing import load_store

    return load_store()


@pytest.fixture(scope="session")
def local(bundled_store):
    """The embedded engine over the bundled graph."""
    from tppo_graph.engines import LocalEngine

    return LocalEngine(bundled_store)


@pytest.fixture(scope="session")
def rdflib_engine(entailed_graph):
    """rdflib's engine over the bundled graph with the entailed closure the queries see: the reference."""
    from tppo_graph.engines import RdflibEngine

    return RdflibEngine(entailed_graph)


class Result:
    """What one in-process run of the CLI produced."""

    def __init__(self, exit_code: int, stdout_bytes: bytes, stderr_bytes: bytes) -> None:
        self.exit_code = exit_code
        self.stdout_bytes = stdout_bytes
        self.stderr_bytes = stderr_bytes

    @property
    def stdout(self) -> str:
        return self.stdout_bytes.decode("utf-8")

    @property
    def stderr(self) -> str:
        return self.stderr_bytes.decode("utf-8")

    @property
    def output(self) -> str:
        """Standard output then standard error, as a terminal would show them."""
        return self.stdout + self.stderr


class Runner:
    """Runs ``tppo_graph.cli.main`` in-process with its standard streams captured (as bytes, like a pipe)."""

    def invoke(self, cli, args: list[str]) -> Result:
        import io
        import sys

        out, err = io.BytesIO(), io.BytesIO()
        saved = sys.stdout, sys.stderr
        wout = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
        werr = io.TextIOWrapper(err, encoding="utf-8", write_through=True)
        sys.stdout, sys.stderr = wout, werr
        try:
            code = cli(list(args))
        except SystemExit as exc:  # argparse exits on --help and on usage errors
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        finally:
            wout.flush()
            werr.flush()
            sys.stdout, sys.stderr = saved
        result = Result(int(code or 0), out.getvalue(), err.getvalue())
        wout.detach()  # keep the buffers open until read; the wrappers must not close them when collected
        werr.detach()
        return result


@pytest.fixture
def runner() -> Runner:
    return Runner()


def data_files() -> list[Path]:
    """Every bundled data file, for tests parametrised over the data."""
    return list(graph_files().data)


def ontology_files() -> list[Path]:
    return sorted((bundled_root() / "ontology").glob("*.ttl"))


def pytest_configure(config) -> None:
    """Let the processes the tests start take Ctrl-C as a user's terminal gives it. A suite started in the
    background of a non-interactive shell (`pytest &`, nohup, some CI runners) inherits SIGINT ignored, and every
    process it starts would ignore it too, as POSIX has it; the interrupt tests would then test nothing. A handler
    here is reset to the default in each child at exec, where an ignored signal stays ignored."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_collection_modifyitems(session, config, items) -> None:
    """Start the SHACL validation runs in the background when the shape or parity tests are to run."""
    if any(item.path.name in ("test_shapes.py", "test_validate_engines.py") for item in items):
        from .shacl_runs import start

        start()


_SHACL_SUMMARY: list[str] = []  # under xdist: what the workers said of the pySHACL reports


def pytest_sessionfinish(session, exitstatus) -> None:
    from .shacl_runs import stop, summary

    line = summary()
    if line and hasattr(session.config, "workeroutput"):  # an xdist worker: tell the controller
        session.config.workeroutput["shacl_summary"] = line
    stop(interrupted=exitstatus == pytest.ExitCode.INTERRUPTED)


@pytest.hookimpl(optionalhook=True)  # an xdist hook: absent with -p no:xdist
def pytest_testnodedown(node, error) -> None:
    line = getattr(node, "workeroutput", {}).get("shacl_summary")
    if line:
        _SHACL_SUMMARY.append(line)


def pytest_terminal_summary(terminalreporter) -> None:
    from .shacl_runs import summary

    line = summary() or next(iter(_SHACL_SUMMARY), None)
    if line:
        terminalreporter.write_line(line)


# --------------------------------------------------------------------------------------------- real stores


@pytest.fixture
def oxigraph():
    """A fresh writable Oxigraph server on 127.0.0.1, stopped (and its store removed) after the test."""
    import tempfile

    from tppo_graph.server import free_port

    from .stores import OxigraphServer

    with tempfile.TemporaryDirectory(prefix="tppo-test-oxigraph-") as location:
        server = OxigraphServer(Path(location), free_port())
        server.start()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory):
    """One Virtuoso server on a fresh database for the session (it takes seconds to start), stopped after."""
    from .stores import VIRTUOSO, VIRTUOSO_SKIP, virtuoso_session

    if VIRTUOSO is None:
        pytest.skip(VIRTUOSO_SKIP)
    server = virtuoso_session(tmp_path_factory.mktemp("virtuoso"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def virtuoso(virtuoso_server):
    """The session's Virtuoso, running, with no graph but its own system graphs before and after the test."""
    if virtuoso_server.process is None or virtuoso_server.process.poll() is not None:
        virtuoso_server.start()  # a test stopped it
    virtuoso_server.clean()
    yield virtuoso_server
    if virtuoso_server.process is None or virtuoso_server.process.poll() is not None:
        virtuoso_server.start()
    virtuoso_server.clean()


@pytest.fixture(params=["oxigraph", "virtuoso", "fuseki"])
def store(request):
    """Each SPARQL 1.1 store in turn (a fresh, empty, writable one): see tests/stores.py."""
    from .stores import FUSEKI_SKIP

    if request.param == "fuseki":
        pytest.skip(FUSEKI_SKIP)
    return request.getfixturevalue(request.param)
