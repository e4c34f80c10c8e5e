"""Bounded work: a total deadline per request, a time limit and Ctrl-C for local queries, no parser recursion into
deep nesting, no entity expansion, no token past the parser's limit, and time limits that are numbers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tppo_graph.cli import main

from .proxy import Faults, Proxy

HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"  # 10^17 rows: never ends
DEAD = "http://127.0.0.1:9"


def tppo(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tppo_graph", *args],
        check=False,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
    )


def one_line_error(result: subprocess.CompletedProcess[str], code: int = 2) -> None:
    assert result.returncode == code, (result.returncode, result.stderr)
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr


def test_the_timeout_bounds_the_whole_request_not_each_read(tmp_path):
    body = b'{"head": {"vars": ["s"]}, "results": {"bindings": []}}'
    faults = Faults(status=200, body=body, content_type="application/sparql-results+json", dribble=0.5)
    with Proxy(DEAD, faults) as proxy:
        start = time.monotonic()
        result = tppo("sparql", "ASK {}", "--endpoint", proxy.url + "/query", "--timeout", "2", cwd=tmp_path)
        elapsed = time.monotonic() - start
    one_line_error(result)
    assert "no answer within 2 s" in result.stderr
    assert elapsed < 2 + 6, elapsed  # one byte every half second would take half a minute


def test_a_local_query_stops_at_its_time_limit(tmp_path):
    start = time.monotonic()
    result = tppo("sparql", HEAVY, "--timeout", "1", cwd=tmp_path)
    one_line_error(result)
    assert "stopped after 1 s" in result.stderr and time.monotonic() - start < 30


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_ctrl_c_and_sigterm_stop_a_local_query(tmp_path, signum, code):
    process = subprocess.Popen(
        [sys.executable, "-m", "tppo_graph", "sparql", HEAVY],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    time.sleep(3)  # the query is running (the store was built by an earlier test or is built now)
    sent = time.monotonic()
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == code, stderr
    assert time.monotonic() - sent < 10
    assert stderr.count("\n") == 1 and "Traceback" not in stderr, stderr


@pytest.mark.parametrize("opening", ["(", "{", "[ <urn:p> "])
@pytest.mark.parametrize("where", ["local", "remote"])
def test_deep_nesting_is_a_one_line_error_not_a_crash(tmp_path, opening, where):
    closing = {"(": ")", "{": "}", "[ <urn:p> ": "]"}[opening]
    if opening == "(":
        text = "SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }"
    elif opening == "{":
        text = "SELECT * WHERE " + "{" * 5000 + "}" * 5000
    else:
        text = "SELECT * WHERE { ?s <urn:p> " + opening * 5000 + "1" + closing * 5000 + " }"
    args = ["sparql", text] if where == "local" else ["sparql", text, "--endpoint", DEAD + "/query"]
    result = tppo(*args, cwd=tmp_path)
    one_line_error(result)
    assert "nested 5" in result.stderr and "levels deep" in result.stderr


@pytest.mark.parametrize("value", ["inf", "nan", "-1", "0", "-inf", "abc", ""])
@pytest.mark.parametrize("verb", [["sparql", "ASK {}"], ["load", "--endpoint", DEAD + "/query"]])
def test_a_timeout_must_be_a_number_of_seconds_above_zero(runner, value, verb):
    result = runner.invoke(main, [*verb, "--timeout", value])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.output
    assert "--timeout" in result.stderr


def test_the_library_refuses_such_timeouts_too():
    from tppo_graph.engines import connect
    from tppo_graph.errors import InvalidOption

    for value in (float("inf"), float("nan"), -1.0, 0):
        with pytest.raises(InvalidOption, match="seconds above 0"):
            connect(timeout=value)
        with pytest.raises(InvalidOption, match="seconds above 0"):
            connect(endpoint="http://127.0.0.1:9/query", timeout=value)


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
 <!ENTITY a "aaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
 <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
 <!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">
 <!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="urn:ex#">
  <rdf:Description rdf:about="urn:a"><ex:p>&i;</ex:p></rdf:Description>
</rdf:RDF>
"""


@pytest.mark.parametrize("verb", [["stats"], ["export", "--format", "nt"], ["sparql", "ASK {}"], ["validate"]])
def test_rdf_xml_with_entity_declarations_is_refused(tmp_path, verb):
    data = tmp_path / "laughs.rdf"
    data.write_text(BILLION_LAUGHS, encoding="utf-8")
    result = tppo(*verb, "--data", str(data), cwd=tmp_path)
    one_line_error(result)
    assert "laughs.rdf:3:" in result.stderr and "ENTITY" in result.stderr


def test_a_literal_over_the_parsers_limit_is_a_clear_error(tmp_path):
    data = tmp_path / "huge.ttl"
    with data.open("w", encoding="utf-8") as handle:
        handle.write('<urn:a> <urn:b> "' + "x" * (17 * 1024 * 1024) + '" .\n')
    result = tppo("sparql", "ASK {}", "--data", str(data), cwd=tmp_path)
    one_line_error(result)
    assert "huge.ttl" in result.stderr and "longer than 16 MiB" in result.stderr


def test_a_byte_order_mark_is_accepted(tmp_path, runner):
    data = tmp_path / "bom.ttl"
    data.write_bytes(b'\xef\xbb\xbf<urn:a> <urn:b> "with a BOM" .\n')
    result = runner.invoke(main, ["sparql", "SELECT ?o WHERE { <urn:a> <urn:b> ?o }", "--data", str(data)])
    assert result.exit_code == 0 and "with a BOM" in result.stdout, result.output


def test_named_graphs_of_data_files_are_queried_as_the_union(tmp_path, runner):
    data = tmp_path / "named.trig"
    data.write_text('<urn:a> <urn:b> "default" .\n<urn:g> { <urn:a> <urn:b> "named" . }\n', encoding="utf-8")
    nquads = tmp_path / "named.nq"
    nquads.write_text('<urn:a> <urn:b> "quad" <urn:g2> .\n', encoding="utf-8")
    query = "SELECT ?o WHERE { <urn:a> <urn:b> ?o } ORDER BY ?o"
    for env in ({}, {"TPPO_GRAPH_CACHE": "never"}):
        os.environ.update(env)
        try:
            result = runner.invoke(
                main, ["sparql", query, "--data", str(data), "--data", str(nquads), "--format", "csv"]
            )
        finally:
            for key in env:
                os.environ.pop(key)
        assert result.exit_code == 0 and result.stdout.split() == ["o", "default", "named", "quad"], result.output
