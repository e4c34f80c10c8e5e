"""The hostile-input corpus (tests/hostile/): every case of cases.json is one command run as a user would run it.

Each case names its class of the hardening (readonly, cache, secrets, loads, bounded, input), its command line
(with the placeholders below), its environment, its exit code and what its one line on standard error must say.
For every case: exactly that exit code; on failure one line on standard error and no traceback; no data file,
query file or earlier output changed; the remote store still holding what it held; no password or its base64 in
any output; and no connection made anywhere but 127.0.0.1 (every socket.connect of the process is recorded by an
audit hook).

Placeholders: {data} and {q} (copies of hostile/data and hostile/queries), {tmp} (a folder with ``existing.txt``
and ``a-file``), {server} (a real Oxigraph server's query URL, holding three triples), {server_base}, {dead} (a
loopback port nothing listens on), {password} (the password in $TPPO_GRAPH_PASSWORD).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tppo_graph.server import free_port
from tppo_graph.transport import Transport

from .stores import OxigraphServer

HERE = Path(__file__).resolve().parent / "hostile"
CASES = json.loads((HERE / "cases.json").read_text(encoding="utf-8"))
PASSWORD = "hostile-Pa55word"
SECRETS = (PASSWORD, base64.b64encode(f"tppo:{PASSWORD}".encode()).decode())
CLASSES = {"readonly", "cache", "secrets", "loads", "bounded", "input"}

#: runs the command line with every outgoing connection written to a file first (argv[1])
AUDITED = r"""
import json, sys
record = open(sys.argv[1], "a", encoding="utf-8")
def audit(event, args):
    if event == "socket.connect":
        address = args[1]
        record.write(json.dumps(list(address) if isinstance(address, tuple) else str(address)) + "\n")
        record.flush()
sys.addaudithook(audit)
from tppo_graph.cli import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.fixture(scope="module")
def server() -> Iterator[OxigraphServer]:
    with tempfile.TemporaryDirectory(prefix="tppo-test-oxigraph-") as location:
        running = OxigraphServer(Path(location), free_port())
        running.start()
        try:
            triples = "<urn:x:a> <urn:x:p> 1 . <urn:x:a> <urn:x:p> 2 . <urn:x:b> <urn:x:p> 3 ."
            Transport().update(running.base + "/update", f"INSERT DATA {{ {triples} }}", what="setup")
            yield running
        finally:
            running.stop()


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hostile-cache")  # shared: the bundled store is built once


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()
    }


def test_the_corpus_covers_every_class_with_several_cases():
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids))
    for name in CLASSES:
        assert sum(case["class"] == name for case in CASES) >= 5, name
    assert {case["class"] for case in CASES} == CLASSES


@pytest.mark.server
@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_hostile_case(case, server, cache, tmp_path):
    work = tmp_path / "work"
    shutil.copytree(HERE, work)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    (scratch / "existing.txt").write_text("an earlier output\n", encoding="utf-8")
    (scratch / "a-file").write_text("", encoding="utf-8")
    (scratch / "home").mkdir()
    values = {
        "data": str(work / "data"),
        "q": str(work / "queries"),
        "tmp": str(scratch),
        "server": server.query,
        "server_base": server.base,
        "dead": f"http://127.0.0.1:{free_port()}",
        "password": PASSWORD,
    }

    def fill(text: str) -> str:
        for key, value in values.items():
            text = text.replace("{" + key + "}", value)
        return text

    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "TPPO_GRAPH_PASSWORD": PASSWORD, "TPPO_GRAPH_CACHE": "auto"}
    env.pop("TPPO_GRAPH_DATA", None)
    env.pop("TPPO_GRAPH_USER", None)
    for key, value in case.get("env", {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = fill(value)
    before_files, before_scratch = _digests(work), (scratch / "existing.txt").read_bytes()
    before_store = server.count()
    connections = tmp_path / "connections.jsonl"
    done = subprocess.run(
        [sys.executable, "-c", AUDITED, str(connections), *(fill(a) for a in case["args"])],
        capture_output=True,
        text=True,
        env=env,
        cwd=scratch,
        timeout=180,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == case["exit"], output
    if case["exit"] != 0 and "-v" not in case["args"]:
        assert done.stderr.count("\n") == 1 and done.stderr.startswith("tppo-graph"), done.stderr
    if "-v" not in case["args"]:
        assert "Traceback" not in output, output
    if "stderr" in case:
        assert case["stderr"] in done.stderr, done.stderr
    if "stdout" in case:
        assert case["stdout"] in done.stdout, output
    assert _digests(work) == before_files, "a data or query file changed"
    assert (scratch / "existing.txt").read_bytes() == before_scratch, "an earlier output changed"
    assert server.count() == before_store, "the remote store changed"
    assert not [s for s in SECRETS if s in output], "a credential was shown"
    contacted = [json.loads(line) for line in connections.read_text().splitlines()] if connections.exists() else []
    assert all(isinstance(c, list) and c[0] in ("127.0.0.1", "::1") for c in contacted), contacted


@pytest.mark.server
def test_the_audit_hook_sees_the_connections_it_is_there_to_see(server, cache, tmp_path):
    connections = tmp_path / "connections.jsonl"
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", AUDITED, str(connections), "sparql", "ASK { ?s ?p ?o }", "--endpoint", server.query],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert [json.loads(line)[:2] for line in connections.read_text().splitlines()] == [["127.0.0.1", server.port]]
