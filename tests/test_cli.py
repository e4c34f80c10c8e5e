"""The CLI in-process (CliRunner): every verb runs, exit codes follow the table, errors are one line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rdflib import Graph

from tppo_graph.cli import main

from .conftest import ROOT

VERBS = sorted(main.commands)


@pytest.mark.parametrize("verb", VERBS)
def test_every_verb_has_help_with_an_example(runner, verb):
    result = runner.invoke(main, [verb, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output


@pytest.mark.parametrize("verb", VERBS)
def test_every_verb_is_documented_in_the_readme(verb):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"tppo-graph {verb}" in readme


def test_stats_table_and_json(runner):
    table = runner.invoke(main, ["stats"])
    assert table.exit_code == 0, table.output
    assert "Label coverage per language" in table.output
    data = json.loads(runner.invoke(main, ["stats", "--format", "json"]).output)
    assert data["triples"] > 0
    assert {"triples", "files", "entities", "classes", "labels", "verification", "without_source"} <= set(data)


@pytest.mark.parametrize(
    ("fmt", "rdflib_format"), [("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld"), ("rdfxml", "xml")]
)
def test_export_round_trips(runner, tmp_path: Path, fmt, rdflib_format, bundled_graph):
    out = tmp_path / f"graph.{fmt}"
    result = runner.invoke(main, ["export", "--format", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.output
    parsed = Graph().parse(out, format=rdflib_format)
    assert len(parsed) == len(bundled_graph)


@pytest.mark.parametrize("fmt", ["trig", "nq"])
def test_dataset_export_keeps_ontology_and_data_apart(runner, fmt, bundled_graph):
    from rdflib import Dataset

    result = runner.invoke(main, ["export", "--format", fmt])
    assert result.exit_code == 0
    ds = Dataset()
    ds.parse(data=result.stdout_bytes, format="trig" if fmt == "trig" else "nquads")
    graphs = {str(g.identifier): len(g) for g in ds.graphs() if len(g)}
    assert set(graphs) == {"https://w3id.org/tppo/graph/ontology", "https://w3id.org/tppo/graph/data"}
    assert sum(graphs.values()) >= len(bundled_graph)


def test_export_failure_leaves_existing_file_untouched(runner, tmp_path: Path):
    out = tmp_path / "graph.ttl"
    out.write_text("previous content", encoding="utf-8")
    bad = tmp_path / "bad.ttl"
    bad.write_text("<a> <b> .\n", encoding="utf-8")
    result = runner.invoke(main, ["export", "--data", str(bad), "-o", str(out)])
    assert result.exit_code == 2
    assert out.read_text(encoding="utf-8") == "previous content"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.ttl", "graph.ttl"]  # no temp file left


def test_export_into_missing_directory_is_a_one_line_error(runner, tmp_path: Path):
    result = runner.invoke(main, ["export", "-o", str(tmp_path / "no" / "such" / "dir.ttl")])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "cannot write" in result.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["stats", "--data", "/no/such/file.ttl"], "/no/such/file.ttl: no such file or directory"),
        (["validate", "--data", "/no/such/dir"], "/no/such/dir: no such file or directory"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(runner, args, needle):
    result = runner.invoke(main, args)
    assert result.exit_code == 2
    assert needle in result.stderr
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.output


def test_syntax_error_in_data_names_file_and_line(runner, tmp_path: Path):
    bad = tmp_path / "x.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b\n", encoding="utf-8")
    result = runner.invoke(main, ["stats", "--data", str(bad)])
    assert result.exit_code == 2
    assert re.search(r"x\.ttl:[34]:\d+: ", result.stderr), result.stderr  # EOF is reported where it is met
    assert result.stderr.count("\n") == 1


def test_unknown_choice_is_a_usage_error(runner):
    result = runner.invoke(main, ["export", "--format", "docx"])
    assert result.exit_code == 2
    assert "docx" in result.output
