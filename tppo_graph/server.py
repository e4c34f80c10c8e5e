"""A local SPARQL endpoint: the Oxigraph server (the ``oxigraph`` package on PyPI) on loopback with the graph.

The graph is bulk-loaded into a temporary on-disk store with pyoxigraph (same storage format and version as the
server), then ``oxigraph serve-read-only`` (or ``serve`` when writable) is started on it; stopping removes the
store unless a location was given.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from .errors import InvalidOption, StoreError
from .parsing import fill_store
from .resources import graph_files

__all__ = ["Server", "free_port", "oxigraph_binary", "refuse_port_in_use", "serve", "start_server", "wait_until_ready"]


def oxigraph_binary() -> str:
    """The ``oxigraph`` executable: next to this Python (the same venv) or on PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.exists():
        return str(beside)
    found = shutil.which("oxigraph")
    if found is None:
        raise StoreError("the Oxigraph server is not installed (pip install oxigraph)")
    return found


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def refuse_port_in_use(host: str, port: int) -> None:
    """A port something already listens on (another ``serve``): refused before anything is announced, or the
    readiness probe would be answered by the other server."""
    if not 0 <= port <= 65535:
        raise InvalidOption("port", "port", f"{port} is not a TCP port")
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a port in TIME_WAIT is free to take
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise InvalidOption("port", "port", f"{port} on {host} is in use ({exc.strerror}); give another") from None


def _die_with_parent() -> Callable[[], None] | None:
    """For the server process: ask the kernel to end it when its parent dies, even by ``kill -9`` (Linux's
    ``PR_SET_PDEATHSIG``), so that no Oxigraph is left serving the port; elsewhere nothing (None)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes
    import signal

    libc = ctypes.CDLL(None, use_errno=True)

    def arm() -> None:  # runs in the child between fork and exec: only async-signal-safe calls
        libc.prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG

    return arm


def wait_until_ready(url: str, process: subprocess.Popen[bytes] | None = None, timeout: float = 30.0) -> None:
    """Poll ``url`` with a trivial ASK until the server answers (no fixed sleep)."""
    deadline = time.monotonic() + timeout
    probe = url + ("&" if "?" in url else "?") + "query=ASK%7B%7D"
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise StoreError(f"the Oxigraph server exited with status {process.returncode} before answering")
        try:
            with urllib.request.urlopen(probe, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.05)
    raise StoreError(f"the Oxigraph server did not answer at {url} within {timeout:g} s")


class Endpoints:
    """The URLs a running server answers on, all derived from its :attr:`base` (``http://host:port``), so that
    the Oxigraph server and the front page in front of it name them alike."""

    @property
    def base(self) -> str:
        raise NotImplementedError

    @property
    def query_endpoint(self) -> str:
        """The SPARQL query URL."""
        return f"{self.base}/query"

    @property
    def query_page(self) -> str:
        """The web page with a query form."""
        return f"{self.base}/"


@dataclass
class Server(Endpoints):
    """A running Oxigraph server. Use as a context manager, or call :meth:`stop`."""

    process: subprocess.Popen[bytes]
    host: str
    port: int
    location: Path
    owns_location: bool = field(default=True)

    @property
    def base(self) -> str:
        """``http://host:port``."""
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 10 s) and remove its store unless it was given."""
        if self.process.poll() is None:
            # SIGTERM, not SIGINT: a server started from a background shell job ignores SIGINT.
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.owns_location:
            shutil.rmtree(self.location, ignore_errors=True)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_server(
    location: str | Path,
    *,
    port: int = 0,
    bind: str = "127.0.0.1",
    writable: bool = False,
    timeout_s: int | None = None,
    owns_location: bool = False,
) -> Server:
    """Start the Oxigraph server on the store in ``location`` (as it is) and wait until it answers.

    :param port: TCP port (0 picks a free one).
    :param owns_location: remove the store directory when the server is stopped.
    """
    path = Path(location)
    if port:
        refuse_port_in_use(bind, port)
    chosen = port or free_port(bind)
    command = [
        oxigraph_binary(),
        "serve" if writable else "serve-read-only",
        "--location",
        str(path),
        "--bind",
        f"{bind}:{chosen}",
    ]
    if timeout_s:
        command += ["--timeout-s", str(timeout_s)]
    # preexec_fn is unsafe only if it takes a lock another thread held at fork; arm() makes one foreign call
    # through a library loaded beforehand, nothing else
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=_die_with_parent(),  # noqa: PLW1509
    )
    server = Server(process, bind, chosen, path, owns_location)
    try:
        wait_until_ready(server.query_endpoint, process)
    except StoreError as exc:
        stderr = process.stderr.read().decode(errors="replace") if process.poll() is not None and process.stderr else ""
        server.stop()
        detail = " ".join(stderr.split())[-200:]
        raise StoreError(f"{exc}{': ' + detail if detail else ''}") from None
    return server


def serve(
    *,
    port: int = 7878,
    bind: str = "127.0.0.1",
    data: Sequence[str | Path] | None = None,
    writable: bool = False,
    location: str | Path | None = None,
    timeout_s: int | None = None,
) -> Server:
    """Start the Oxigraph server with the graph loaded and wait until it answers.

    :param port: TCP port (0 picks a free one).
    :param bind: address to listen on; loopback by default, so the graph is not exposed to the network.
    :param writable: accept SPARQL Update and Graph Store writes (read-only by default).
    :param location: keep the store in this directory (default: a temporary one removed on stop).
    """
    if not 0 <= port <= 65535:
        raise InvalidOption("port", "port", f"{port} is not a TCP port")
    files = graph_files(data)
    owns = location is None
    path = Path(tempfile.mkdtemp(prefix="tppo-graph-store-")) if location is None else Path(location)
    try:
        try:
            store = ox.Store(str(path))
        except OSError as exc:  # a file, a folder that cannot be written, a store another process holds
            raise InvalidOption("location", "store location", f"{path}: {' '.join(str(exc).split())}") from None
        fill_store(store, files, entailed=True)  # ENTAILMENT HOOK (#10): the served graph holds the closure
        store.flush()
        del store  # release the database lock before the server opens it
        return start_server(path, port=port, bind=bind, writable=writable, timeout_s=timeout_s, owns_location=owns)
    except BaseException:
        if owns:
            shutil.rmtree(path, ignore_errors=True)
        raise
