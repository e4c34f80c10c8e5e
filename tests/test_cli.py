"""The CLI in-process: every verb runs, exit codes follow the table, errors are one line."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import pytest
from rdflib import Graph

from tppo_graph.cli import VERBS as CLI_VERBS
from tppo_graph.cli import main
from tppo_graph.results import SelectResult

from .conftest import ROOT
from .test_queries import parsed_results

VERBS = sorted(CLI_VERBS)


@pytest.mark.parametrize("verb", VERBS)
def test_every_verb_has_help_with_an_example(runner, verb):
    result = runner.invoke(main, [verb, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output


def _section(text: str, heading: str) -> str:
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end >= 0 else None]


@pytest.mark.parametrize("verb", VERBS)
def test_every_verb_is_documented_in_the_readme(verb):
    """The README's command-line section shows the verb itself (`query` is not found inside `queries`)."""
    section = _section((ROOT / "README.md").read_text(encoding="utf-8"), "Command line")
    assert re.search(rf"`tppo-graph {verb}(?![\w-])", section), (
        f"`tppo-graph {verb}` is not in the Command line section"
    )


@pytest.mark.parametrize("verb", VERBS)
def test_every_verb_has_verbose(runner, verb):
    assert "--verbose" in runner.invoke(main, [verb, "--help"]).output


def test_stats_table_and_json(runner, bundled_graph):
    from rdflib import RDF, URIRef
    from rdflib.namespace import DCTERMS

    from tppo_graph.resources import graph_files

    # bundled_graph: stats describes what the files assert, not the entailed closure

    table = runner.invoke(main, ["stats"])
    assert table.exit_code == 0, table.output
    assert "Label coverage per language" in table.output
    data = json.loads(runner.invoke(main, ["stats", "--format", "json"]).output)
    # the numbers, counted independently of the code under test (rdflib over the parsed files)
    assert data["triples"] == len(bundled_graph)
    assert data["files"] == len(graph_files().graph)
    entity_classes = set(
        bundled_graph.transitive_subjects(
            URIRef("http://www.w3.org/2000/01/rdf-schema#subClassOf"), URIRef("https://w3id.org/tppo/def/Entity")
        )
    )
    entities = {s for s, _, c in bundled_graph.triples((None, RDF.type, None)) if c in entity_classes}
    assert data["entities"] == len(entities)
    unsourced = {s for s in entities if (s, DCTERMS.source, None) not in bundled_graph}
    assert len(data["without_source"]) == len(unsourced)
    assert data["classes"]["tppo:State"] == len(
        set(bundled_graph.subjects(RDF.type, URIRef("https://w3id.org/tppo/def/State")))
    )


def test_validate_exit_0_when_the_graph_conforms(runner):
    result = runner.invoke(main, ["validate"])
    assert result.exit_code == 0, result.output
    assert ": conforms." in result.stdout and "0 violation(s)" in result.stdout


def test_validate_exit_1_on_violations(runner):
    from .shacl_runs import CONTEXT, INVALID_DIR

    fixture = INVALID_DIR / "BilateralMechanism-stateParty__three-states.ttl"
    args = ["validate", "--format", "json"] + [a for p in (*CONTEXT, fixture) for a in ("--data", str(p))]
    result = runner.invoke(main, args)
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["conforms"] is False and report["counts"]["Violation"] >= 1
    assert result.stderr == ""


@pytest.mark.parametrize("name", ["engine", "lang", "store", "data", "language", "with_sources"])
@pytest.mark.parametrize("verb", ["query", "network"])
def test_parameter_names_never_collide_with_options(runner, verb, name):
    """`-p engine=x` (and lang=, store=, data=) is an unknown parameter: one line, exit 2, never a traceback."""
    target = "palermo-obligations-without-bilateral-mechanism" if verb == "query" else "actors"
    result = runner.invoke(main, [verb, target, "-p", f"{name}=x"])
    assert result.exit_code == 2, result.output
    assert f"unknown parameter '{name}'" in result.stderr and result.stderr.count("\n") == 1
    assert "Traceback" not in result.output


def test_verbose_logs_to_stderr_and_keeps_stdout_clean(runner):
    quiet = runner.invoke(main, ["query", "known-absences", "--format", "csv"])
    loud = runner.invoke(main, ["query", "known-absences", "--format", "csv", "--verbose"])
    assert loud.exit_code == 0 and loud.stdout == quiet.stdout
    assert "tppo-graph: DEBUG tppo_graph: store:" in loud.stderr


def test_verbose_shows_the_traceback_behind_an_error(runner):
    result = runner.invoke(main, ["query", "known-absences", "-p", "colour=red", "--verbose"])
    assert result.exit_code == 2
    assert "Traceback" in result.stderr and result.stderr.rstrip().splitlines()[-1].startswith("tppo-graph: error:")


@pytest.mark.parametrize(
    ("fmt", "rdflib_format"), [("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld"), ("rdfxml", "xml")]
)
def test_export_round_trips(runner, tmp_path: Path, fmt, rdflib_format, bundled_graph):
    out = tmp_path / f"graph.{fmt}"
    result = runner.invoke(main, ["export", "--format", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.output
    parsed = Graph().parse(out, format=rdflib_format)
    # the asserted graph (export writes no entailment unless --entailed) plus its computed VoID statistics
    assert len(parsed) == len(bundled_graph) + _void_count()


@functools.cache
def _void_count() -> int:
    from tppo_graph.dataset import statistics, void_triples
    from tppo_graph.parsing import load_store

    return len(void_triples(statistics(load_store(entailed=False))))


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


# ---------------------------------------------------------------------------------------------
# queries, query, sparql
# ---------------------------------------------------------------------------------------------

HEADLINE = "palermo-obligations-without-bilateral-mechanism"


def test_queries_lists_the_catalogue(runner):
    from tppo_graph.catalogue import list_queries

    result = runner.invoke(main, ["queries"])
    assert result.exit_code == 0
    for query in list_queries():
        assert query.name in result.output
    data = json.loads(runner.invoke(main, ["queries", "--tag", "gaps", "--format", "json"]).output)
    assert data and all("gaps" in q["tags"] for q in data)


def test_query_help_shows_that_querys_parameters(runner):
    result = runner.invoke(main, ["query", HEADLINE, "--help"])
    assert result.exit_code == 0
    assert "state_a" in result.output and "tppo:State" in result.output and "Competency question 1" in result.output


@pytest.mark.parametrize("fmt", ["json", "tsv"])
def test_query_output_is_valid_w3c_results(runner, fmt):
    import pyoxigraph as ox

    result = runner.invoke(main, ["query", HEADLINE, "--format", fmt])
    assert result.exit_code == 0, result.output
    kind = {"json": ox.QueryResultsFormat.JSON, "tsv": ox.QueryResultsFormat.TSV}
    parsed = parsed_results(result.stdout_bytes, fmt=kind[fmt])
    assert isinstance(parsed, SelectResult)
    assert list(parsed.variables)[:2] == ["obligation", "provision"]
    assert len(parsed.rows) > 0


def test_query_csv_follows_the_w3c_csv_format(runner):
    import csv
    import io

    result = runner.invoke(main, ["query", HEADLINE, "--format", "csv"])
    assert b"\r\n" in result.stdout_bytes  # the W3C format uses CRLF line ends
    rows = list(csv.reader(io.StringIO(result.stdout_bytes.decode("utf-8"))))
    as_json = json.loads(runner.invoke(main, ["query", HEADLINE, "--format", "json"]).output)
    assert rows[0] == as_json["head"]["vars"]
    assert len(rows) - 1 == len(as_json["results"]["bindings"])
    assert rows[1][0].startswith("https://w3id.org/tppo/id/obl-palermo-protocol-")


@pytest.mark.parametrize("lang", ["id", "en"])
def test_table_shows_labels_in_the_chosen_language(runner, lang):
    result = runner.invoke(main, ["query", HEADLINE, "--lang", lang, "--format", "md"])
    assert result.exit_code == 0
    word = "Pemulangan" if lang == "id" else "Repatriation"
    assert word in result.output or ("Repatriasi" in result.output and lang == "id")
    assert "https://w3id.org/" not in result.output


def test_query_writes_a_file(runner, tmp_path: Path):
    out = tmp_path / "gaps.csv"
    result = runner.invoke(main, ["query", HEADLINE, "--format", "csv", "-o", str(out)])
    assert result.exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("obligation,provision")


def test_show_sparql_is_runnable_elsewhere(runner):
    from rdflib.plugins.sparql import prepareQuery

    result = runner.invoke(main, ["query", HEADLINE, "--show-sparql", "-p", "state_b=tpd:LAO"])
    assert result.exit_code == 0 and result.output.startswith("PREFIX ")
    # the parameters as they run: the default of state_a, the given state_b, in one VALUES row
    values = "VALUES (?state_a ?state_b) { (<https://w3id.org/tppo/id/IDN> <https://w3id.org/tppo/id/LAO>) }"
    assert values in result.output
    prepareQuery(result.output)


def test_show_sparql_keeps_prefix_lines_of_the_file_once(runner, tmp_path: Path, monkeypatch):
    """A query file that declares its own PREFIX lines (above or below the header) gets no second declaration."""
    from tppo_graph.catalogue import parse_query_file
    from tppo_graph.queries import query_text

    path = tmp_path / "own-prefixes.rq"
    path.write_text(
        "PREFIX tppo: <https://w3id.org/tppo/def/>\n#+ summary: s\n#+ description: d\n"
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "SELECT ?s WHERE { ?s a tppo:State ; skos:prefLabel|rdfs:label ?l }\n",
        encoding="utf-8",
    )
    text = query_text(parse_query_file(path))
    assert text.count("PREFIX tppo:") == 1 and text.count("PREFIX skos:") == 1 and text.count("PREFIX rdfs:") == 1


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["query", "palermo-gaps"], "unknown query 'palermo-gaps' (did you mean:"),
        (["query", HEADLINE, "-p", "state_a=tpd:nowhere"], "parameter 'state_a'"),
        (["query", HEADLINE, "-p", "colour=red"], "unknown parameter 'colour'"),
        (["query", HEADLINE, "-p", "state_a"], "--param: expected NAME=VALUE"),
        (["sparql", "SELECT * WHERE { ?s ?p }"], "SPARQL syntax error at 1:"),
        (["sparql", "INSERT DATA { <urn:a> <urn:b> <urn:c> }"], "read-only"),
        (["sparql", "@/no/such/query.rq"], "cannot read query file"),
    ],
)
def test_query_errors_are_one_line(runner, args, needle):
    result = runner.invoke(main, args)
    assert result.exit_code == 2, result.output
    assert needle in result.stderr and result.stderr.count("\n") == 1


def test_sparql_from_file_with_catalogue_prefixes(runner, tmp_path: Path):
    query = tmp_path / "q.rq"
    query.write_text("SELECT ?state WHERE { ?state a tppo:State ; tppo:isoCode 'KHM' }", encoding="utf-8")
    result = runner.invoke(main, ["sparql", f"@{query}", "--format", "csv"])
    assert result.exit_code == 0
    assert result.output.splitlines()[1] == "https://w3id.org/tppo/id/KHM"


def test_verbose_never_shows_a_credential(runner, monkeypatch):
    """Neither the password of --password-env nor a user:password@ in a URL reaches the log or the error."""
    from tppo_graph.server import free_port

    monkeypatch.setenv("TPPO_TEST_PASSWORD", "hunter2-secret")
    port = free_port()
    args = ["query", "known-absences", "--endpoint", f"http://tppo:url-secret@127.0.0.1:{port}/query", "--verbose"]
    result = runner.invoke(main, [*args, "--user", "tppo", "--password-env", "TPPO_TEST_PASSWORD"])
    assert result.exit_code == 2
    assert "DEBUG" in result.stderr and "the URL holds a user name or password" in result.stderr  # refused (#11)
    assert "hunter2-secret" not in result.output and "url-secret" not in result.output
