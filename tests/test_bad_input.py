"""Clear errors for bad input that the hostile corpus (tests/test_hostile.py) cannot express as one command:
labels that hold terminal escapes, a port another server holds, and a `serve` killed with -9."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from tppo_graph.cli import main
from tppo_graph.render import printable
from tppo_graph.server import free_port

HOSTILE_LABEL = "Evil\x1b]0;pwned\x07 \x1b[2J\u202eLabel\x00"


@pytest.mark.parametrize("columns", ["", "100", "24"], ids=["unwrapped", "wrapped", "narrow"])
@pytest.mark.parametrize("fmt", ["table", "md"])
def test_control_characters_in_labels_are_escaped_in_tables(tmp_path, runner, fmt, columns, monkeypatch):
    monkeypatch.setenv("COLUMNS", columns)  # a terminal's width (set under pytest-xdist): the table is wrapped
    data = tmp_path / "labels.nt"
    import pyoxigraph as ox

    label = ox.Literal(HOSTILE_LABEL, language="en")  # its N-Triples form escapes what must be escaped
    data.write_text(
        f'<urn:x:a> <http://www.w3.org/2000/01/rdf-schema#label> {label} .\n<urn:x:a> <urn:x:p> "v" .\n',
        encoding="utf-8",
    )
    result = runner.invoke(
        main, ["sparql", "SELECT ?s ?l WHERE { ?s <urn:x:p> ?v ; rdfs:label ?l }", "--data", str(data), "--format", fmt]
    )
    assert result.exit_code == 0, result.output
    assert not any(c in result.stdout for c in "\x1b\x07\u202e\x00"), repr(result.stdout)
    shown = result.stdout if columns != "24" else result.stdout.replace("\n", "")  # narrow: the escapes wrap too
    assert "\\x1b]0;" in shown and "\\u202" in shown


def test_printable_keeps_ordinary_text():
    assert printable("Perdagangan orang — ASEAN") == "Perdagangan orang — ASEAN"
    assert printable(HOSTILE_LABEL) == "Evil\\x1b]0;pwned\\x07 \\x1b[2J\\u202eLabel\\x00"


def test_serve_on_a_port_in_use_says_so_before_announcing(tmp_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "tppo_graph", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=120,
            check=False,
        )
    assert result.returncode == 2 and result.stdout == "", result.stdout
    assert result.stderr.count("\n") == 1 and f"--port: {port} on 127.0.0.1 is in use" in result.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the kernel's parent-death signal is Linux's")
def test_the_server_dies_with_serve_even_on_kill_9(tmp_path):
    port = free_port()
    serve = subprocess.Popen(
        [sys.executable, "-m", "tppo_graph", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        assert serve.stdout is not None and "SPARQL endpoint" in serve.stdout.readline()
        socket.create_connection(("127.0.0.1", port), timeout=5).close()  # it serves
    finally:
        os.kill(serve.pid, signal.SIGKILL)
        serve.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            return  # nothing serves the port any more: the Oxigraph child went with its parent
        time.sleep(0.2)
    pytest.fail(f"the Oxigraph server still serves port {port} after its parent was killed")


MALFORMED_RESULTS = [
    b'{"head": {"vars": ["s"]}}',  # no results member
    b"[1, 2, 3]",  # not an object
    b'{"head": {"vars": ["s"]}, "results": {"bindings": [{"s": {"type": "uri"}}]}}',  # a term without its value
    b'{"head": {"vars": ["s"]}, "results": {"bindings": [{"s": {"type": "literal", "value": 1}}]}}',  # not a string
    b'{"head": {"vars": ["s"]}, "results": {"bindings": [',  # cut short
]


@pytest.mark.parametrize("body", MALFORMED_RESULTS)
def test_malformed_results_json_from_a_server_is_one_line(runner, body):
    from .proxy import Faults, Proxy

    faults = Faults(status=200, body=body, content_type="application/sparql-results+json")
    with Proxy("http://127.0.0.1:9", faults) as proxy:
        result = runner.invoke(main, ["sparql", "SELECT ?s WHERE { ?s ?p ?o }", "--endpoint", proxy.url + "/query"])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.output
    assert "is not a SPARQL result" in result.stderr and "Traceback" not in result.output
